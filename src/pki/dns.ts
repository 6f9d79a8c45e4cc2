/**
 * DNS names for dNSName SANs. RFC 5280 4.2.1.6 wants the preferred name syntax of RFC 1034 3.5
 * (letters, digits, hyphens; labels of 1-63 octets; at most 253 in all) in IA5String, so an
 * internationalised name is stored as its A-label (RFC 5891, "xn--"). A wildcard is allowed only as
 * the whole left-most label (RFC 6125 6.4.3), over a name of at least two labels that is not itself
 * a public suffix (`*.com`, `*.example`, `*.co.uk` would match every name under a registry).
 */
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { usageError } from '../error.js';

/**
 * The public suffix list (tldts-icann) is loaded when a wildcard is checked, not with this module:
 * its 130 KB would be compiled and run at the start of every command that reads a name
 * (docs/performance.md, "Start-up").
 */
const load = createRequire(import.meta.url);
const publicSuffix = (name: string): string | null => (load('tldts-icann') as typeof import('tldts-icann')).getPublicSuffix(name);

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const HINT = 'give a host name like api.example.com or *.example.com';

/** A name typed by a person (`--domain`): Unicode is accepted and turned into its A-label. */
export function parseDnsName(input: string): string {
  const bad = (why: string, hint = HINT) => usageError(`invalid DNS name ${JSON.stringify(input)}: ${why}`, hint);
  if (input.length === 0) throw bad('it is empty');
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f-\x9f]/.test(input)) throw bad('it contains white space or control characters');
  if (isIP(input.replace(/^\[(.*)\]$/, '$1'))) {
    throw usageError(`${input} is an IP address, not a DNS name`, `give it with --ip ${input.replace(/^\[(.*)\]$/, '$1')}: clients match an address only against IP SANs`);
  }
  const wildcard = input.startsWith('*.');
  const body = wildcard ? input.slice(2) : input;
  if (body.includes('*')) throw bad('a wildcard is allowed only as the whole left-most label');
  // Plain ASCII is kept as given (lower-cased); anything else, and any "xn--" A-label, must pass
  // IDNA (UTS #46) processing, which is what turns a Unicode name into its A-label form.
  const plain = /^[\x21-\x7e]*$/.test(body) && !/(^|\.)xn--/i.test(body);
  const ascii = plain ? body.toLowerCase() : domainToASCII(body);
  if (!ascii) throw bad('it is not a valid internationalised domain name');
  const labels = ascii.split('.');
  for (const label of labels) {
    if (label.length === 0) throw bad('it has an empty label');
    if (label.length > 63) throw bad('a label is longer than 63 characters');
    if (!LABEL.test(label)) throw bad('labels hold only letters, digits and inner hyphens');
  }
  const name = (wildcard ? '*.' : '') + ascii;
  if (name.length > 253) throw bad('it is longer than 253 characters');
  if (wildcard) checkWildcardBase(input, ascii, labels.length);
  return name;
}

/**
 * A dNSName from a request: IA5String, so ASCII only. Non-ASCII bytes are refused rather than
 * guessed at (read as Latin-1 and punycoded, a Cyrillic "а" in "pаypal.com" would become a valid
 * xn-- name that looks like another); an internationalised name must come as its A-label.
 */
export function parseRequestedDnsName(bytes: Buffer): string {
  if (bytes.some((b) => b > 0x7e || b < 0x20)) {
    const shown = JSON.stringify(bytes.toString('latin1'));
    throw usageError(`invalid DNS name ${shown}: it holds bytes outside ASCII`, 'an international name must be requested as its xn-- A-label');
  }
  return parseDnsName(bytes.toString('latin1'));
}

function checkWildcardBase(input: string, base: string, labels: number): void {
  if (labels < 2) {
    throw usageError(`invalid DNS name ${JSON.stringify(input)}: a wildcard needs at least two labels after "*."`, 'for example *.example.com');
  }
  if (publicSuffix(base) === base) {
    throw usageError(
      `invalid DNS name ${JSON.stringify(input)}: ${base} is a public suffix, so the wildcard would cover every domain under it`,
      'use a wildcard below a domain you control, for example *.example.co.uk',
    );
  }
}
