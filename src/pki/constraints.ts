/**
 * Name constraints (RFC 5280 4.2.1.10): the DNS names, IP ranges, URI hosts and e-mail domains a CA
 * may certify, written as a critical nameConstraints extension in the CA certificate (`ca init
 * --permit-domain/--permit-ip/--permit-uri/--permit-email`), and checked by `ca` before it issues
 * (SPEC "Hierarchy, constraints and pointers", "Name constraints constrain every name form").
 * Verifiers (OpenSSL, Go, GnuTLS, NSS, Java) enforce the extension themselves against any
 * certificate below, so a certificate forged with the CA key outside the constraints is rejected
 * too. A CA made now constrains every form: one it was given nothing for admits no name of it.
 */
import { isIP } from 'node:net';
import { usageError } from '../error.js';
import { parseDnsName } from './dns.js';
import { ipFromBytes, parseIp, type IpAddress } from './ip.js';
import { countAltNames, parseEmail, type AltNames } from './san.js';

export interface IpRange {
  /** canonical text, e.g. "10.0.0.0/8" */
  text: string;
  address: Buffer;
  mask: Buffer;
}

export interface NameConstraints {
  /** permitted DNS subtrees: each name and every name below it */
  dns: string[];
  ips: IpRange[];
  /** permitted URI hosts (RFC 5280 4.2.1.10): "host" that host, ".domain" every host below it */
  uris: string[];
  /** permitted rfc822Names: "local@host" that mailbox, "host" every mailbox there, ".domain" every host below it */
  emails: string[];
  /**
   * Every form is constrained, an empty list admitting no name of its form (SPEC "Name constraints
   * constrain every name form"). False for a CA certificate made before that rule, which
   * constrains only the forms it lists (an empty list there admits anything).
   */
  everyForm: boolean;
}

export function hasConstraints(c: NameConstraints | undefined): c is NameConstraints {
  return c !== undefined && (c.everyForm || c.dns.length > 0 || c.ips.length > 0 || c.uris.length > 0 || c.emails.length > 0);
}

/** `--permit-domain`: a DNS name (not a wildcard, no leading dot) that covers itself and every name below. */
export function parsePermittedDomain(input: string): string {
  if (input.startsWith('*') || input.startsWith('.')) {
    throw usageError(`invalid --permit-domain ${JSON.stringify(input)}: give the domain itself`, `--permit-domain ${input.replace(/^[*.]+/, '')} covers it and every name below it`);
  }
  return parseDnsName(input);
}

/**
 * `--permit-uri`: the host of the URIs a CA may certify (a SPIFFE trust domain), or with a leading
 * dot every host below it (RFC 5280 4.2.1.10: a URI constraint names a host, never a scheme or path).
 */
export function parsePermittedUriHost(input: string): string {
  if (input.includes('*')) throw usageError(`invalid --permit-uri ${JSON.stringify(input)}: a constraint has no wildcard`, `--permit-uri ${input.replace(/^\*/, '')} covers every host below it`);
  if (/[:/@]/.test(input)) {
    const host = /^[a-z][a-z0-9+.-]*:\/\/([^/:@]+)/i.exec(input)?.[1];
    throw usageError(`invalid --permit-uri ${JSON.stringify(input)}: give the host alone`, host ? `--permit-uri ${host} covers ${input.replace(/\/*$/, '')}/…` : 'e.g. --permit-uri prod.example.com for spiffe://prod.example.com/…');
  }
  return input.startsWith('.') ? `.${parseDnsName(input.slice(1))}` : parseDnsName(input);
}

/** `--permit-email`: one address, a host (every mailbox there), or `.domain` (every host below it). */
export function parsePermittedEmail(input: string): string {
  if (input.includes('*')) throw usageError(`invalid --permit-email ${JSON.stringify(input)}: a constraint has no wildcard`, `--permit-email ${input.replace(/^.*\*/, '')} covers every host below it`);
  if (input.includes('@')) return parseEmail(input);
  return input.startsWith('.') ? `.${parseDnsName(input.slice(1))}` : parseDnsName(input);
}

/** `--permit-ip`: a CIDR block whose address is the block's first (10.0.0.0/8, fd00::/8). */
export function parsePermittedRange(input: string): IpRange {
  const bad = (why: string, hint = 'give a CIDR block such as 10.0.0.0/8 or fd00::/8') => usageError(`invalid --permit-ip ${JSON.stringify(input)}: ${why}`, hint);
  const m = /^([^/]+)\/(\d{1,3})$/.exec(input);
  if (!m) throw bad('it is not a CIDR block (address/prefix length)', isIP(input) ? `for that one address, give ${input}/${isIP(input) === 4 ? 32 : 128}` : undefined);
  const family = isIP(m[1]!);
  if (!family) throw bad(`${m[1]} is not an IP address`);
  const bytes = family === 4 ? Buffer.from(m[1]!.split('.').map(Number)) : ipv6(m[1]!);
  const prefix = Number(m[2]);
  if (prefix > bytes.length * 8) throw bad(`a prefix length of ${prefix} is too long for IPv${family}`);
  const mask = Buffer.alloc(bytes.length);
  for (let bit = 0; bit < prefix; bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
  const network = Buffer.from(bytes.map((b, i) => b & mask[i]!));
  if (!network.equals(bytes)) throw bad('the address has host bits set', `did you mean ${ipFromBytes(network)}/${prefix}?`);
  return { text: `${ipFromBytes(network)}/${prefix}`, address: network, mask };
}

function ipv6(text: string): Buffer {
  // parseIp canonicalises (and refuses ::, which a range may start with: give it its own path).
  if (text === '::') return Buffer.alloc(16);
  return parseIp(text).bytes;
}

/** RFC 6761 6.4: "invalid" and every name under it are guaranteed never to exist. */
export const NO_HOST = 'invalid';

/** RFC 5280 4.2.1.10: a DNS name is within a subtree when it is the base or ends with "." + base. */
export function dnsPermitted(c: NameConstraints, name: string): boolean {
  if (!dnsConstrained(c)) return true;
  const n = name.toLowerCase();
  return [...c.dns, ...(c.everyForm ? [NO_HOST] : [])].some((base) => n === base || n.endsWith(`.${base}`));
}

function dnsConstrained(c: NameConstraints): boolean {
  return c.everyForm || c.dns.length > 0;
}

export function ipPermitted(c: NameConstraints, ip: IpAddress): boolean {
  if (!c.everyForm && c.ips.length === 0) return true;
  return c.ips.some((r) => r.address.length === ip.bytes.length && ip.bytes.every((b, i) => (b & r.mask[i]!) === r.address[i]));
}

/** A URI is within when its host is (an address or no host is within no host constraint). */
export function uriPermitted(c: NameConstraints, uri: string): boolean {
  if (!c.everyForm && c.uris.length === 0) return true;
  const host = uriHost(uri);
  return host !== undefined && c.uris.some((base) => hostWithin(host, base));
}

function uriHost(uri: string): string | undefined {
  try {
    const host = new URL(uri).hostname.toLowerCase();
    return host && !isIP(host.replace(/^\[(.*)\]$/, '$1')) ? host : undefined;
  } catch {
    return undefined;
  }
}

/** A host (or ".domain") within a constraint: "host" only itself, ".domain" what is below it. */
export function hostWithin(host: string, base: string): boolean {
  return base.startsWith('.') ? host.endsWith(base) : host === base;
}

export function emailPermitted(c: NameConstraints, email: string): boolean {
  if (!c.everyForm && c.emails.length === 0) return true;
  return c.emails.some((base) => emailWithin(email, base));
}

/** An address, host or ".domain" within an rfc822Name constraint (RFC 5280 4.2.1.10). */
export function emailWithin(name: string, base: string): boolean {
  if (base.includes('@')) return name === base;
  const host = name.slice(name.lastIndexOf('@') + 1).toLowerCase();
  return base.startsWith('.') ? host.endsWith(base) : host === base && !name.startsWith('.');
}

/** What a CA may certify, for messages: "c1.example.com, 10.1.0.0/16, URI host …, e-mail at …". */
export function describeConstraints(c: NameConstraints): string {
  const parts = [...c.dns, ...c.ips.map((r) => r.text), ...c.uris.map((u) => `URIs at ${u}`), ...c.emails.map((e) => `e-mail ${e}`)];
  return parts.length ? parts.join(', ') : 'no name';
}

/** The first name a certificate would carry outside the constraints, or undefined. */
export function outsideConstraints(c: NameConstraints, names: AltNames, commonName: string): string | undefined {
  const dns = names.dns.find((d) => !dnsPermitted(c, d));
  if (dns) return `DNS:${dns}`;
  const ip = names.ips.find((i) => !ipPermitted(c, i));
  if (ip) return `IP:${ip.text}`;
  const uri = names.uris.find((u) => !uriPermitted(c, u));
  if (uri) return `URI:${uri}`;
  const email = names.emails.find((e) => !emailPermitted(c, e));
  if (email) return `email:${email}`;
  return commonNameOutside(c, names, commonName) ? `CN=${commonName}` : undefined;
}

/**
 * Without a DNS SAN, verifiers hold the CN to the constraints (measured: OpenJDK 17, OpenSSL 3.0,
 * GnuTLS 3.7): Java whenever the CN parses as its DNSName (NameConstraintsExtension.verify: labels
 * of letters, digits and hyphens, so "user-alice" too) and, when the CN is an IP address and there
 * is no IP SAN, against the IP constraints; OpenSSL when the CN reads as a host name (it has a
 * dot); GnuTLS for a TLS server certificate, whatever the CN (taken here as one that names
 * anything). A certificate any of them would refuse is refused here.
 */
function commonNameOutside(c: NameConstraints, names: AltNames, cn: string): boolean {
  if (isIP(cn) && names.ips.length === 0 && !ipPermitted(c, ipOf(cn))) return true;
  if (names.dns.length > 0 || !dnsConstrained(c)) return false;
  const readAsHost = javaDnsName(cn) || looksLikeHostName(cn) || countAltNames(names) > 0;
  return readAsHost && !dnsPermitted(c, cn);
}

/** The CN as an address; one parseIp refuses as a SAN (0.0.0.0, ::) is read as it stands. */
function ipOf(cn: string): IpAddress {
  try {
    return parseIp(cn);
  } catch {
    return { text: cn, bytes: isIP(cn) === 4 ? Buffer.from(cn.split('.').map(Number)) : Buffer.alloc(16) };
  }
}

/** OpenJDK's DNSName (sun.security.x509.DNSName): labels of letters, digits and hyphens, each begun by a letter or digit. */
function javaDnsName(cn: string): boolean {
  return !isIP(cn) && /^[A-Za-z0-9][A-Za-z0-9-]*(\.[A-Za-z0-9][A-Za-z0-9-]*)*$/.test(cn);
}

/** OpenSSL's cn2dnsid: letters, digits and hyphens in dot-separated labels, with at least one dot. */
function looksLikeHostName(cn: string): boolean {
  return /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(cn);
}

/**
 * The DNS SAN that a certificate naming no host carries under a CA constrained in every form, so
 * that verifiers read it and not the CN: CN.invalid, a name RFC 6761 6.4 guarantees never exists
 * and that such a CA permits. Undefined when the CN does not make a DNS label.
 */
export function noHostName(commonName: string): string | undefined {
  try {
    return parseDnsName(`${commonName}.${NO_HOST}`);
  } catch {
    return undefined;
  }
}
