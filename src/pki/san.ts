/**
 * Subject alternative names (RFC 5280 4.2.1.6): DNS names, IP addresses, URIs (SPIFFE IDs) and
 * e-mail addresses. The same checks hold whether they come from `--domain`/`--ip`/`--uri`/`--email`
 * or from a request (SPEC "What a CSR may put in a certificate"): duplicates are dropped, order is
 * kept, and a certificate names at most 100 of them.
 */
import { usageError } from '../error.js';
import { parseIp, type IpAddress } from './ip.js';
import { parseDnsName } from './dns.js';

export interface AltNames {
  dns: string[];
  ips: IpAddress[];
  uris: string[];
  emails: string[];
}

/**
 * Far more than a cluster member needs (etcd, Kubernetes API servers carry a dozen), far fewer than
 * the 100,000 that made a 2.1 MB certificate that TLS stacks choke on.
 */
export const MAX_ALT_NAMES = 100;

/** GeneralName tags (RFC 5280 4.2.1.6). */
export const GENERAL_NAME = { rfc822Name: 1, dNSName: 2, directoryName: 4, uniformResourceIdentifier: 6, iPAddress: 7 } as const;

export function noAltNames(): AltNames {
  return { dns: [], ips: [], uris: [], emails: [] };
}

export function splitList(values: readonly string[] | string | undefined): string[] {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  return list
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

export interface AltNameInput {
  domains?: readonly string[];
  ips?: readonly string[];
  uris?: readonly string[];
  emails?: readonly string[];
}

export function parseAltNames(input: AltNameInput): AltNames {
  const names = noAltNames();
  for (const d of input.domains ?? []) names.dns.push(parseDnsName(d));
  for (const ip of input.ips ?? []) names.ips.push(parseIp(ip));
  for (const u of input.uris ?? []) names.uris.push(parseUri(u));
  for (const e of input.emails ?? []) names.emails.push(parseEmail(e));
  return checkAltNames(names);
}

/** Drops duplicates (keeping the first) and holds the count to MAX_ALT_NAMES. */
export function checkAltNames(names: AltNames): AltNames {
  const unique = <T>(list: T[], key: (x: T) => string) => {
    const seen = new Set<string>();
    return list.filter((x) => !seen.has(key(x)) && Boolean(seen.add(key(x))));
  };
  const result: AltNames = {
    dns: unique(names.dns, (d) => d),
    ips: unique(names.ips, (ip) => ip.text),
    uris: unique(names.uris, (u) => u),
    emails: unique(names.emails, (e) => e.toLowerCase()),
  };
  const count = countAltNames(result);
  if (count > MAX_ALT_NAMES) {
    throw usageError(`${count} subject alternative names are too many`, `a certificate names at most ${MAX_ALT_NAMES}`);
  }
  return result;
}

export function countAltNames(names: AltNames): number {
  return names.dns.length + names.ips.length + names.uris.length + names.emails.length;
}

/**
 * RFC 5280 4.2.1.6: a URI SAN is absolute (scheme and scheme-specific part) and IA5String, so ASCII
 * without spaces; RFC 3986 syntax is checked by WHATWG URL parsing.
 */
export function parseUri(input: string): string {
  const bad = (why: string) =>
    usageError(`invalid URI ${JSON.stringify(input)}: ${why}`, 'give an absolute URI such as spiffe://cluster.local/ns/web/sa/api');
  if (!/^[\x21-\x7e]+$/.test(input)) throw bad('it holds spaces, control characters or characters outside ASCII');
  if (!/^[a-z][a-z0-9+.-]*:./i.test(input)) throw bad('it has no scheme');
  if (input.length > 2048) throw bad('it is longer than 2048 characters');
  try {
    new URL(input);
  } catch {
    throw bad('it is not a valid URI');
  }
  return input;
}

/** RFC 5280 4.2.1.6: rfc822Name is an RFC 5321 Mailbox in IA5String (local@domain, ASCII). */
export function parseEmail(input: string): string {
  const bad = (why: string) => usageError(`invalid e-mail address ${JSON.stringify(input)}: ${why}`, 'give an address like ops@example.com');
  const at = input.lastIndexOf('@');
  if (at <= 0 || at === input.length - 1) throw bad('it needs a local part and a domain');
  const local = input.slice(0, at);
  if (!/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    throw bad('the part before @ is not a plain ASCII mailbox name');
  }
  const domain = input.slice(at + 1);
  if (domain.startsWith('*')) throw bad('the domain cannot be a wildcard');
  return `${local}@${parseDnsName(domain)}`;
}

export function altNamesText(names: AltNames): string[] {
  return [
    ...names.dns.map((d) => `DNS:${d}`),
    ...names.ips.map((ip) => `IP:${ip.text}`),
    ...names.uris.map((u) => `URI:${u}`),
    ...names.emails.map((e) => `email:${e}`),
  ];
}

/** The index's "DNS:…", "IP:…", "URI:…", "email:…" back into names (for `ca renew`). */
export function altNamesFromText(sans: readonly string[]): AltNames {
  const take = (prefix: string) => sans.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length));
  return parseAltNames({ domains: take('DNS:'), ips: take('IP:'), uris: take('URI:'), emails: take('email:') });
}

/**
 * `--crl-url`: where relying parties fetch the CRL (RFC 5280 4.2.1.13). HTTP is what every client
 * fetches a CRL over (a CRL is signed, so it needs no TLS); HTTPS is accepted too.
 */
export function parseCrlUrl(input: string): string {
  const url = parseUri(input);
  if (!/^https?:\/\/[^/]/i.test(url)) throw usageError(`invalid --crl-url ${JSON.stringify(input)}: not an http:// or https:// URL`, 'give the URL clients fetch the CRL from, e.g. http://pki.example.com/ca.crl');
  return url;
}

/**
 * The name a CN takes from the SANs: the first DNS name that fits a CN (RFC 5280 ub-common-name,
 * 64 characters; a DNS name may have 253), else the first IP address; so the CN is one of the
 * SANs (CA/B BR 7.1.4.3).
 */
export function hostCommonName(names: AltNames): string | undefined {
  return names.dns.find((d) => d.length <= 64) ?? names.ips[0]?.text;
}
