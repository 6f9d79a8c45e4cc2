/**
 * The nameConstraints extension (RFC 5280 4.2.1.10): how a CA's NameConstraints are written into
 * its certificate, and read back. A CA constrained in every form (SPEC "Name constraints constrain
 * every name form") writes, for each form it was given nothing for, subtrees that admit no name of
 * it, chosen so that OpenSSL 3.0, Go 1.19, GnuTLS 3.7, NSS 3.87 and OpenJDK 17 all read and
 * enforce them (test/interop/constraints-forms.test.js).
 */
import { usageError } from '../error.js';
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
/**
 * The address each family permits beside its ranges (all that a family without a range permits):
 * one no TCP peer ever has, the limited broadcast address (RFC 919, RFC 1122 3.2.1.3) and a
 * reserved multicast address never assigned (RFC 4291 2.7); `ca` puts neither in a certificate.
 * Not the unspecified addresses: a connection to 0.0.0.0 or :: reaches the local host on Linux.
 */
const IPV4_NONE = range([255, 255, 255, 255], 32);
const IPV6_NONE = range([0xff, ...new Array<number>(15).fill(0)], 128);
/** What CA certificates made before them used instead, read as "none" too. */
const OLD_NONE = ['0.0.0.0/32', '::/128'];

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
 * Every form constrained (SPEC "Name constraints constrain every name form"; CA/B BR 7.1.2.5.2),
 * written so that OpenJDK 17 can also merge the constraints of every CA on a path (RFC 5280
 * 6.1.4 (g); sun.security.x509.NameConstraintsExtension.merge, GeneralSubtrees.intersect):
 * - Each form permits its `.invalid` name beside the ones given. Where two CAs' permitted names
 *   of a form do not meet at all, OpenJDK excludes "every name of the form", a name it cannot
 *   build for URIs ("URI name must include scheme") nor compare for addresses; the shared
 *   `.invalid` name keeps every intersection non-empty and certifies nothing that exists.
 * - Addresses are never excluded: each family permits one address no peer has beside its ranges
 *   (so that GnuTLS, which intersects the constraints of a path per family, keeps one IPv4 range
 *   where a parent's 10.1.0.0/16 meets a child's none, and checks IPv4 addresses at all).
 *   OpenJDK 17's IPAddressName.constrains reads past the end of an IPv4 range it compares with
 *   an IPv6 one (ArrayIndexOutOfBoundsException: Index 8 out of bounds for length 8) whenever
 *   the IPv6 range's leading bytes match the IPv4 range's, as ::/0 matches 0.0.0.0/0, and it
 *   compares them when it merges the excluded subtrees of two CAs. IPv4 ranges come before IPv6
 *   ones, so that an IPv4 address reaches its own range first when a certificate is checked
 *   (compared with an IPv6 range it can throw too).
 */
function everyFormSubtrees(c: NameConstraints): { permitted: Node[]; excluded: Node[] } {
  const v4 = c.ips.filter((r) => r.address.length === 4);
  const v6 = c.ips.filter((r) => r.address.length === 16);
  const withNoHost = (given: string[], none: string) => [...new Set([...given, none])];
  const permitted = [
    ...withNoHost(c.dns, NO_HOST).map(dnsName),
    ...[...v4, IPV4_NONE, ...v6, IPV6_NONE].map(ipName),
    ...withNoHost(c.uris, NO_HOST_BELOW).map(uriName),
    ...withNoHost(c.emails, NO_HOST_BELOW).map(emailName),
  ];
  return { permitted, excluded: c.uris.length ? [] : [uriName(EXCLUDED_URI_HOST)] };
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
  const none = (r: IpRange) => r.text === IPV4_NONE.text || r.text === IPV6_NONE.text || OLD_NONE.includes(r.text);
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

/**
 * Refuses an IPv6 range and an IPv4 range of a CA (the ones given, and the addresses permitted
 * beside them) that OpenJDK 17 cannot tell apart: IPAddressName.constrains compares an IPv6 range
 * with an IPv4 range or address by its first four bytes. Where those agree it reads past the end
 * of the IPv4 bytes (ArrayIndexOutOfBoundsException: Java refuses every certificate below a
 * sub-intermediate, or one with an IPv4 address) or takes an IPv6 address for one within the IPv4
 * range. A child's ranges lie within its parent's, so checking each CA's own is enough.
 */
export function checkJavaComparable(c: NameConstraints): void {
  const v4 = [...c.ips.filter((r) => r.address.length === 4), IPV4_NONE];
  const v6 = [...c.ips.filter((r) => r.address.length === 16), IPV6_NONE];
  for (const six of v6) {
    // The first 32 bits of the IPv6 range meet the IPv4 range: they agree wherever both are fixed.
    const four = v4.find((r) => [0, 1, 2, 3].every((i) => ((six.address[i]! ^ r.address[i]!) & six.mask[i]! & r.mask[i]!) === 0));
    if (four) {
      throw usageError(
        `--permit-ip ${six.text} cannot stand beside ${four.text}: OpenJDK 17 compares an IPv6 range with an IPv4 one by the first 32 bits, and theirs agree`,
        'give IPv6 ranges whose first 32 bits match no IPv4 range (255.255.255.255/32 and ff00::/128 are always there: docs/commands.md, `ca init`)',
      );
    }
  }
}
