/**
 * What an intermediate CA may be, given the CA that signs it (RFC 5280 4.2.1.9, 4.2.1.10): the
 * parent must allow CAs below it, the intermediate's path length must be shorter than its
 * parent's, and its name constraints must lie within every constraint above it (a wider one would
 * only make certificates that verifiers refuse), its own CN included.
 */
import { failure, usageError } from '../error.js';
import {
  describeConstraints,
  dnsPermitted,
  emailWithin,
  hostWithin,
  outsideConstraints,
  type IpRange,
  type NameConstraints,
} from '../pki/constraints.js';
import { noAltNames } from '../pki/san.js';
import type { Authority } from './authority.js';

export function checkWithinParent(parent: Omit<Authority, 'key'>, pathLength: number, constraints: NameConstraints | undefined, dir: string, commonName?: string): void {
  const allowed = parent.certificate.pathLength;
  if (allowed === 0) {
    throw failure(`the CA of ${dir} allows no CA below it (path length 0)`, 'a root that signs intermediates is made with `ca init --path-length 1` (or more)');
  }
  if (allowed !== null && pathLength >= allowed) {
    throw usageError(`--path-length ${pathLength} is too long below a CA of path length ${allowed}`, `use at most ${allowed - 1}`);
  }
  for (const above of parent.constraints) {
    const outside = constraints ? widerThan(constraints, above) : undefined;
    if (outside) throw usageError(`${outside} is outside the parent's name constraints`, `the parent may certify only ${describeConstraints(above)}`);
    // OpenJDK reads a CA's CN as a DNS name too when it has no DNS SAN, and holds it to the
    // constraints of the CAs above (NameConstraintsExtension.verify): "c1-sub" would fail there.
    if (commonName !== undefined && outsideConstraints(above, noAltNames(), commonName)) {
      throw usageError(
        `the CA's name ${JSON.stringify(commonName)} is outside the parent's name constraints: Java reads a CN like it as a DNS name`,
        `give a name with a space in it (e.g. "${commonName.replace(/[-.]/g, ' ')} CA"), or one within ${describeConstraints(above)}`,
      );
    }
  }
}

/** The first of the intermediate's constraints that the one above does not cover, as its flag. */
function widerThan(c: NameConstraints, above: NameConstraints): string | undefined {
  const d = c.dns.find((name) => !dnsPermitted(above, name));
  if (d) return `--permit-domain ${d}`;
  const r = c.ips.find((inner) => (above.everyForm || above.ips.length > 0) && !above.ips.some((outer) => within(inner, outer)));
  if (r) return `--permit-ip ${r.text}`;
  const u = c.uris.find((host) => (above.everyForm || above.uris.length > 0) && !above.uris.some((base) => hostWithin(host, base)));
  if (u) return `--permit-uri ${u}`;
  const e = c.emails.find((name) => (above.everyForm || above.emails.length > 0) && !above.emails.some((base) => emailWithin(name, base)));
  return e === undefined ? undefined : `--permit-email ${e}`;
}

/** `inner` lies within `outer`: the same family, a mask at least as long, the same network. */
function within(inner: IpRange, outer: IpRange): boolean {
  if (inner.address.length !== outer.address.length) return false;
  return outer.mask.every((m, i) => (inner.mask[i]! & m) === m && (inner.address[i]! & m) === outer.address[i]);
}
