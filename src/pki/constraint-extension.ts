/**
 * The nameConstraints extension (RFC 5280 4.2.1.10): how a CA's NameConstraints are written into
 * its certificate, and read back. A CA constrained in every form (SPEC "Name constraints constrain
 * every name form") writes, for each form it was given nothing for, subtrees that admit no name of
 * it, chosen so that OpenSSL 3.0, Go 1.19, GnuTLS 3.7, NSS 3.87 and OpenJDK 17 all read and
 * enforce them (test/interop/constraints-forms.test.js).
 */
import { DerError, Type, children, context, contextPrimitive, isContext, parse, seq, type Node } from './der.js';
import { NO_HOST, type IpRange, type NameConstraints } from './constraints.js';
import { ipFromBytes } from './ip.js';
import { GENERAL_NAME } from './san.js';

/**
 * A form that a CA constrained in every form does not permit gets a permitted subtree under
 * .invalid (RFC 6761 6.4: "invalid" and every name under it never exist): a subtree that
 * matches no real name. SPEC suggests excluding the form whole with a zero-length name instead,
 * but OpenJDK 17 refuses to parse an empty URI or rfc822Name constraint (the CA certificate is
 * unreadable to Java), and an empty dNSName constraint makes DNSName.constrains throw
 * (StringIndexOutOfBoundsException), so Java would refuse every certificate below; a permitted
 * subtree is enforced alike by OpenSSL 3.0, Go 1.19, GnuTLS 3.7, NSS and OpenJDK 17 (measured).
 */
const NO_HOST_BELOW = `.${NO_HOST}`;
/**
 * GnuTLS 3.7 does not check URIs against permitted subtrees; it refuses every URI SAN when a URI
 * subtree is excluded (name_constraints.c, check_unsupported_constraint). A CA that permits no URI
 * excludes this one, under .invalid: it widens nothing, and it is not the permitted .invalid
 * itself, which OpenJDK would then drop from the permitted subtrees when it merges the
 * constraints of a sub-intermediate.
 */
const EXCLUDED_URI_HOST = `none.${NO_HOST}`;

const range = (address: number[], prefix: number): IpRange => {
  const mask = Buffer.alloc(address.length);
  for (let bit = 0; bit < prefix; bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
  return { text: `${ipFromBytes(Buffer.from(address))}/${prefix}`, address: Buffer.from(address), mask };
};
/** What a family with no permitted range is held to: one unspecified address (RFC 4291 2.5.2, RFC 1122 3.2.1.3), which no host has. */
const IPV4_NONE = range([0, 0, 0, 0], 32);
const IPV6_NONE = range(new Array<number>(16).fill(0), 128);
/** Every address of a family, excluded when the CA permits no range at all (SPEC: IPv4 0.0.0.0/0 and IPv6 ::/0). */
const IPV4_ALL = range([0, 0, 0, 0], 0);
const IPV6_ALL = range(new Array<number>(16).fill(0), 0);

const dnsName = (d: string) => contextPrimitive(GENERAL_NAME.dNSName, Buffer.from(d, 'ascii'));
const ipName = (r: IpRange) => contextPrimitive(GENERAL_NAME.iPAddress, Buffer.concat([r.address, r.mask]));
const uriName = (u: string) => contextPrimitive(GENERAL_NAME.uniformResourceIdentifier, Buffer.from(u, 'ascii'));
const emailName = (e: string) => contextPrimitive(GENERAL_NAME.rfc822Name, Buffer.from(e, 'ascii'));

/** The critical extension's value: NameConstraints { permittedSubtrees [0], excludedSubtrees [1] }. */
export function encodeNameConstraints(c: NameConstraints): Node {
  const subtree = (base: Node) => seq([base]);
  const { permitted, excluded } = c.everyForm ? everyFormSubtrees(c) : { permitted: [...c.dns.map(dnsName), ...c.ips.map(ipName)], excluded: [] };
  return seq([context(0, permitted.map(subtree)), ...(excluded.length ? [context(1, excluded.map(subtree))] : [])]);
}

/**
 * Every form constrained (SPEC "Name constraints constrain every name form"; CA/B BR 7.1.2.5.2).
 * IPv4 ranges come before IPv6 ones, and a family without a range gets a permitted address rather
 * than an excluded ::/0: OpenJDK 17's IPAddressName.constrains throws
 * (ArrayIndexOutOfBoundsException) on an IPv4 address checked against an IPv6 subtree, which it
 * reaches at once in the excluded subtrees, and only after every IPv4 range in the permitted ones.
 * GnuTLS needs the other family constrained at all: it checks an address only against subtrees
 * of its own family.
 */
function everyFormSubtrees(c: NameConstraints): { permitted: Node[]; excluded: Node[] } {
  const v4 = c.ips.filter((r) => r.address.length === 4);
  const v6 = c.ips.filter((r) => r.address.length === 16);
  const ips = c.ips.length === 0 ? [] : [...(v4.length ? v4 : [IPV4_NONE]), ...(v6.length ? v6 : [IPV6_NONE])];
  const permitted = [
    ...[...new Set([...c.dns, NO_HOST])].map(dnsName),
    ...ips.map(ipName),
    ...(c.uris.length ? c.uris : [NO_HOST_BELOW]).map(uriName),
    ...(c.emails.length ? c.emails : [NO_HOST_BELOW]).map(emailName),
  ];
  const excluded = [...(c.ips.length ? [] : [IPV4_ALL, IPV6_ALL].map(ipName)), ...(c.uris.length ? [] : [uriName(EXCLUDED_URI_HOST)])];
  return { permitted, excluded };
}

/**
 * The permitted subtrees of a nameConstraints value, without the ones that stand for "nothing of
 * this form" (excluded subtrees: this CA writes only those, and what they exclude is outside the
 * permitted ones anyway).
 */
export function decodeNameConstraints(value: Buffer): NameConstraints {
  const result: NameConstraints = { dns: [], ips: [], uris: [], emails: [], everyForm: false };
  for (const part of children(parse(value), Type.SEQUENCE, 'nameConstraints')) {
    if (!isContext(part, 0)) continue;
    for (const subtree of part.value as Node[]) {
      const [base] = children(subtree, Type.SEQUENCE, 'GeneralSubtree', 1);
      const bytes = Buffer.from(String(base!.value), 'binary');
      const text = bytes.toString('latin1').toLowerCase();
      if (isContext(base, GENERAL_NAME.dNSName)) result.dns.push(text);
      else if (isContext(base, GENERAL_NAME.uniformResourceIdentifier)) result.uris.push(text);
      else if (isContext(base, GENERAL_NAME.rfc822Name)) result.emails.push(bytes.toString('latin1'));
      else if (isContext(base, GENERAL_NAME.iPAddress)) result.ips.push(ipRangeOf(bytes));
    }
  }
  if (!result.dns.includes(NO_HOST)) return result;
  const none = (r: IpRange) => r.text === IPV4_NONE.text || r.text === IPV6_NONE.text;
  return {
    dns: result.dns.filter((d) => d !== NO_HOST),
    ips: result.ips.filter((r) => !none(r)),
    uris: result.uris.filter((u) => u !== NO_HOST_BELOW),
    emails: result.emails.filter((e) => e !== NO_HOST_BELOW),
    everyForm: true,
  };
}

function ipRangeOf(bytes: Buffer): IpRange {
  if (bytes.length !== 8 && bytes.length !== 32) throw new DerError('an iPAddress constraint of the wrong length');
  const half = bytes.length / 2;
  const address = bytes.subarray(0, half);
  const mask = bytes.subarray(half);
  return { text: `${ipFromBytes(address)}/${[...mask].reduce((n, b) => n + popcount(b), 0)}`, address, mask };
}

function popcount(b: number): number {
  let n = 0;
  for (let x = b; x; x >>= 1) n += x & 1;
  return n;
}
