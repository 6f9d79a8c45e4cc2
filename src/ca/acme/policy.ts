/**
 * Which identifiers `ca serve --acme` orders certificates for (SPEC "ACME"): those within
 * --acme-allow (DNS names and every name below them, IP ranges), and within the CA's own name
 * constraints; with no --acme-allow, a name-constrained CA's permitted names are the allow list.
 * Anything else is `rejectedIdentifier` when the order is made, before any challenge.
 */
import { usageError } from '../../error.js';
import { dnsPermitted, ipPermitted, parsePermittedDomain, parsePermittedRange, type NameConstraints } from '../../pki/constraints.js';
import { parseDnsName } from '../../pki/dns.js';
import { parseIp } from '../../pki/ip.js';
import { AcmeRefusal } from './refusal.js';
import type { Identifier } from './state.js';

/** The allow list as name constraints (the same subtree rules as RFC 5280 4.2.1.10), every form constrained. */
export function allowList(values: readonly string[], caConstraints: readonly NameConstraints[]): NameConstraints[] {
  if (values.length === 0) {
    if (caConstraints.length === 0) throw usageError('--acme needs --acme-allow DOMAIN|CIDR: the names ACME clients may obtain certificates for', 'e.g. --acme-allow example.internal --acme-allow 10.0.0.0/8');
    return [...caConstraints];
  }
  const allow: NameConstraints = { dns: [], ips: [], uris: [], emails: [], everyForm: true };
  for (const v of values) {
    if (/^[0-9a-fA-F:.]+\/\d+$/.test(v) || /^[0-9.]+$/.test(v) || v.includes(':')) allow.ips.push(parsePermittedRange(v.includes('/') ? v : `${v}/${v.includes(':') ? 128 : 32}`));
    else allow.dns.push(parsePermittedDomain(v));
  }
  return [allow];
}

/** An order's identifier, checked and made canonical; refused as RFC 8555 7.4 and 6.7 say. */
export function checkIdentifier(raw: unknown, allow: readonly NameConstraints[], ca: readonly NameConstraints[]): Identifier {
  const id = raw as { type?: unknown; value?: unknown };
  if (typeof raw !== 'object' || raw === null || typeof id.value !== 'string') throw new AcmeRefusal('malformed', 'an identifier needs "type" and "value" strings');
  if (id.type !== 'dns' && id.type !== 'ip') throw new AcmeRefusal('unsupportedIdentifier', `identifiers of type ${JSON.stringify(id.type)} are not issued here; use dns or ip`);
  if (id.type === 'dns') {
    // A wildcard (RFC 8555 7.1.3) is held to the lists by its base name: `*.a.test` needs a.test allowed.
    const name = canonical(() => parseDnsName(id.value as string), id.value);
    const base = name.startsWith('*.') ? name.slice(2) : name;
    if (!allow.every((c) => dnsPermitted(c, base)) || !ca.every((c) => dnsPermitted(c, base))) throw new AcmeRefusal('rejectedIdentifier', `${name} is not a name this server issues for`);
    return { type: 'dns', value: name };
  }
  const ip = canonical(() => parseIp(id.value as string), id.value);
  if (!allow.every((c) => ipPermitted(c, ip)) || !ca.every((c) => ipPermitted(c, ip))) throw new AcmeRefusal('rejectedIdentifier', `${ip.text} is not an address this server issues for`);
  return { type: 'ip', value: ip.text };
}

function canonical<T>(parse: () => T, value: string): T {
  try {
    return parse();
  } catch (err) {
    throw new AcmeRefusal('rejectedIdentifier', `${JSON.stringify(value)} is not a valid identifier (${(err as Error).message})`);
  }
}
