/**
 * What an intermediate CA may be, given the CA that signs it (RFC 5280 4.2.1.9, 4.2.1.10): the
 * parent must allow CAs below it, the intermediate's path length must be shorter than its
 * parent's, and its name constraints must lie within every constraint above it (a wider one would
 * only make certificates that verifiers refuse).
 */
import { failure, usageError } from '../error.js';
import { dnsPermitted, type IpRange, type NameConstraints } from '../pki/constraints.js';
import type { Authority } from './authority.js';

export function checkWithinParent(parent: Omit<Authority, 'key'>, pathLength: number, constraints: NameConstraints | undefined, dir: string): void {
  const allowed = parent.certificate.pathLength;
  if (allowed === 0) {
    throw failure(`the CA of ${dir} allows no CA below it (path length 0)`, 'a root that signs intermediates is made with `ca init --path-length 1` (or more)');
  }
  if (allowed !== null && pathLength >= allowed) {
    throw usageError(`--path-length ${pathLength} is too long below a CA of path length ${allowed}`, `use at most ${allowed - 1}`);
  }
  for (const above of parent.constraints) {
    for (const d of constraints?.dns ?? []) {
      if (!dnsPermitted(above, d)) throw usageError(`--permit-domain ${d} is outside the parent's name constraints`, `the parent may certify only ${describe(above)}`);
    }
    for (const r of constraints?.ips ?? []) {
      if (above.ips.length > 0 && !above.ips.some((a) => within(r, a))) {
        throw usageError(`--permit-ip ${r.text} is outside the parent's name constraints`, `the parent may certify only ${describe(above)}`);
      }
    }
  }
}

/** `inner` lies within `outer`: the same family, a mask at least as long, the same network. */
function within(inner: IpRange, outer: IpRange): boolean {
  if (inner.address.length !== outer.address.length) return false;
  return outer.mask.every((m, i) => (inner.mask[i]! & m) === m && (inner.address[i]! & m) === outer.address[i]);
}

function describe(c: NameConstraints): string {
  return [...c.dns, ...c.ips.map((r) => r.text)].join(', ');
}
