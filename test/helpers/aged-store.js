// A store with a history: the CA made `rounds` days ago, then every day a 1-day certificate for
// each of `names` nodes, issued by the use cases themselves (ca/issue.ts, ca/revoke.ts) with the
// clock of that day, so all but the last round expired. One change each: enough changes to compact
// the index, which moves what expired to the archive (src/store/archive.ts). bench/fill-store.js
// fills a store of a million certificates with it, `concurrency` changes at a time (the store
// commits concurrent changes together, as it does for `ca serve`).
import { createECDH, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { openAuthority } from '../../dist/ca/authority.js';
import { initCa } from '../../dist/ca/init.js';
import { issueCertificate } from '../../dist/ca/issue.js';
import { revokeIn, writeCrl } from '../../dist/ca/revoke.js';
import { openStore } from '../../dist/store/store.js';

const DAY = 86_400_000;

/**
 * A new P-256 public key, made with ECDH rather than generateKeyPairSync: over hundreds of
 * thousands of keys, Node 20.20's garbage collector once hung for good finalizing a key
 * generation job while a key's details were being read (a lock taken twice).
 */
function newPublicKey() {
  const point = createECDH('prime256v1');
  point.generateKeys();
  const raw = point.getPublicKey(); // 0x04 || x || y
  const b64url = (b) => b.toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33)) }, format: 'jwk' });
}

/**
 * Returns the certificates issued ({ name, serial, round }) and the serials revoked.
 * `revokeInRound`: names whose certificate of that round is revoked the same day (with a CRL then);
 * `crlAfter`: rounds after which a CRL is made again, the day after their certificates expired.
 */
export async function agedStore(cwd, { names = 10, rounds = 110, revokeInRound = {}, crlAfter = [], concurrency = 1, onRound = () => {} } = {}) {
  const storeDir = join(cwd, '.ca');
  const start = Date.now() - (rounds - 1) * DAY - 3_600_000;
  const day = (r, plus = 0) => new Date(start + r * DAY + plus);
  const spec = { type: 'ecdsa', curve: 'P-256' };
  await initCa({ dir: storeDir, subject: { commonName: 'aged' }, keySpec: spec, keyDefault: true, pathLength: 0, force: false, now: day(0, -DAY) });
  const store = await openStore(storeDir);
  const authority = await openAuthority(store, undefined, { now: new Date() });
  const profile = await store.loadProfile('node');
  const issued = [];
  const revoked = [];
  for (let r = 0; r < rounds; r++) {
    const issueOne = async (n) => {
      const name = `node-${n}`;
      const publicKey = newPublicKey();
      const out = await issueCertificate({
        store,
        authority,
        name,
        profile,
        subject: { commonName: name },
        altNames: { dns: [`${name}.cluster.test`], ips: [], uris: [], emails: [] },
        publicKey,
        key: { none: true },
        lifetime: { days: 1 },
        now: day(r, n * 1000),
        source: 'csr',
        force: true,
      });
      issued.push({ name, serial: out.entry.serial, round: r });
    };
    for (let n = 0; n < names; n += concurrency) {
      await Promise.all(Array.from({ length: Math.min(concurrency, names - n) }, (_, i) => issueOne(n + i)));
    }
    for (const name of revokeInRound[r] ?? []) {
      const res = await revokeIn(store, authority, { target: { name, all: false }, reason: 'keyCompromise', crlDays: 1, now: day(r, 3_600_000) });
      revoked.push(res.revoked[0].serial);
    }
    if (crlAfter.includes(r)) await store.change(async (tx) => writeCrl(store, tx, authority, day(r + 2), 1));
    onRound(r);
  }
  return { storeDir, issued, revoked };
}
