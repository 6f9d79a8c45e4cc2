/**
 * DNS names for dNSName SANs. RFC 5280 4.2.1.6 wants the preferred name syntax of RFC 1034 3.5
 * (letters, digits, hyphens; labels of 1-63 octets; at most 253 in all) in IA5String, so an
 * internationalised name is stored as its A-label (RFC 5891, "xn--"). A wildcard is allowed only as
 * the whole left-most label (RFC 6125 6.4.3).
 */
import { domainToASCII } from 'node:url';
import { usageError } from '../error.js';

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseDnsName(input: string): string {
  const bad = (why: string, hint = 'give a host name like api.example.com or *.example.com') =>
    usageError(`invalid DNS name ${JSON.stringify(input)}: ${why}`, hint);
  if (input.length === 0) throw bad('it is empty');
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(input)) throw bad('it contains white space or control characters');
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
    if (!LABEL.test(label)) {
      throw bad('labels hold only letters, digits and inner hyphens');
    }
  }
  const name = (wildcard ? '*.' : '') + ascii;
  if (name.length > 253) throw bad('it is longer than 253 characters');
  return name;
}
