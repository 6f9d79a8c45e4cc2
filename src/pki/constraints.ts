/**
 * Name constraints (RFC 5280 4.2.1.10): the DNS names and IP ranges a CA may certify, written as a
 * critical nameConstraints extension in the CA certificate (`ca init --permit-domain/--permit-ip`),
 * and checked by `ca` before it issues (SPEC "Hierarchy, constraints and pointers"). Verifiers
 * (OpenSSL, Go, GnuTLS, NSS) enforce the extension themselves against any certificate below, so a
 * certificate forged with the CA key outside the constraints is rejected too.
 */
import { isIP } from 'node:net';
import { usageError } from '../error.js';
import { DerError, Type, children, context, contextPrimitive, isContext, parse, seq, type Node } from './der.js';
import { parseDnsName } from './dns.js';
import { ipFromBytes, parseIp, type IpAddress } from './ip.js';
import { GENERAL_NAME, countAltNames, type AltNames } from './san.js';

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
}

export function hasConstraints(c: NameConstraints | undefined): c is NameConstraints {
  return c !== undefined && (c.dns.length > 0 || c.ips.length > 0);
}

/** `--permit-domain`: a DNS name (not a wildcard, no leading dot) that covers itself and every name below. */
export function parsePermittedDomain(input: string): string {
  if (input.startsWith('*') || input.startsWith('.')) {
    throw usageError(`invalid --permit-domain ${JSON.stringify(input)}: give the domain itself`, `--permit-domain ${input.replace(/^[*.]+/, '')} covers it and every name below it`);
  }
  return parseDnsName(input);
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

/** The critical extension's value: NameConstraints { permittedSubtrees [0] }. */
export function encodeNameConstraints(c: NameConstraints): Node {
  const subtree = (base: Node) => seq([base]);
  const permitted = [
    ...c.dns.map((d) => subtree(contextPrimitive(GENERAL_NAME.dNSName, Buffer.from(d, 'ascii')))),
    ...c.ips.map((r) => subtree(contextPrimitive(GENERAL_NAME.iPAddress, Buffer.concat([r.address, r.mask])))),
  ];
  return seq([context(0, permitted)]);
}

/** The permitted DNS and IP subtrees of a nameConstraints value (other forms are not ours to check). */
export function decodeNameConstraints(value: Buffer): NameConstraints {
  const result: NameConstraints = { dns: [], ips: [] };
  for (const part of children(parse(value), Type.SEQUENCE, 'nameConstraints')) {
    if (!isContext(part, 0)) continue; // excludedSubtrees: this CA never writes them
    for (const subtree of part.value as Node[]) {
      const [base] = children(subtree, Type.SEQUENCE, 'GeneralSubtree', 1);
      const bytes = Buffer.from(String(base!.value), 'binary');
      if (isContext(base, GENERAL_NAME.dNSName)) result.dns.push(bytes.toString('latin1').toLowerCase());
      else if (isContext(base, GENERAL_NAME.iPAddress)) {
        if (bytes.length !== 8 && bytes.length !== 32) throw new DerError('an iPAddress constraint of the wrong length');
        const half = bytes.length / 2;
        const address = bytes.subarray(0, half);
        const mask = bytes.subarray(half);
        result.ips.push({ text: `${ipFromBytes(address)}/${[...mask].reduce((n, b) => n + popcount(b), 0)}`, address, mask });
      }
    }
  }
  return result;
}

function popcount(b: number): number {
  let n = 0;
  for (let x = b; x; x >>= 1) n += x & 1;
  return n;
}

/** RFC 5280 4.2.1.10: a DNS name is within a subtree when it is the base or ends with "." + base. */
export function dnsPermitted(c: NameConstraints, name: string): boolean {
  if (c.dns.length === 0) return true;
  const n = name.toLowerCase();
  return c.dns.some((base) => n === base || n.endsWith(`.${base}`));
}

export function ipPermitted(c: NameConstraints, ip: IpAddress): boolean {
  if (c.ips.length === 0) return true;
  return c.ips.some((r) => r.address.length === ip.bytes.length && ip.bytes.every((b, i) => (b & r.mask[i]!) === r.address[i]));
}

/**
 * The first name a certificate would carry outside the constraints, or undefined. Without a DNS
 * SAN, verifiers hold the CN to the DNS constraints too: OpenSSL when the CN reads as a host name
 * (it has a dot), GnuTLS whenever the certificate has other SANs (measured: OpenSSL 3.0, GnuTLS
 * 3.7); a certificate either would refuse is refused here.
 */
export function outsideConstraints(c: NameConstraints, names: AltNames, commonName: string): string | undefined {
  const dns = names.dns.find((d) => !dnsPermitted(c, d));
  if (dns) return `DNS:${dns}`;
  const ip = names.ips.find((i) => !ipPermitted(c, i));
  if (ip) return `IP:${ip.text}`;
  if (names.dns.length === 0 && c.dns.length > 0 && (countAltNames(names) > 0 || looksLikeHostName(commonName)) && !dnsPermitted(c, commonName)) {
    return `CN=${commonName}`;
  }
  return undefined;
}

/** OpenSSL's cn2dnsid: letters, digits and hyphens in dot-separated labels, with at least one dot. */
function looksLikeHostName(cn: string): boolean {
  return /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(cn);
}
