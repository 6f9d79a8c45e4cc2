/**
 * `ca revoke` and `ca crl`. Revoking marks the certificate in the index and writes a fresh CRL in
 * the same change under the lock, so the CRL on disk never lags behind the index.
 */
import { failure } from '../error.js';
import { buildCrl } from '../pki/crl.js';
import { requireEntry, type Index, type IndexEntry } from '../store/index-file.js';
import { Store } from '../store/store.js';
import { openAuthority, type Authority, type PassphraseSource } from './authority.js';

export const DEFAULT_CRL_DAYS = 30;
const DAY_MS = 86_400_000;

export interface CrlResult {
  path: string;
  pem: string;
  number: number;
  revokedCount: number;
  nextUpdate: string;
}

export interface RevokeRequest {
  storeDir: string;
  name: string;
  reason: string;
  caPassphrase?: PassphraseSource | undefined;
  crlDays: number;
  now: Date;
}

export async function revokeCertificate(req: RevokeRequest): Promise<{ entry: IndexEntry; crl: CrlResult }> {
  const store = await Store.open(req.storeDir);
  if (req.name === 'ca') throw failure('the CA cannot revoke itself', 'to retire the CA, make a new one with `ca init --force`');
  const authority = await openAuthority(store, req.caPassphrase);
  return store.change(async () => {
    const index = await store.readIndex();
    const entry = requireEntry(index, req.name);
    if (entry.status === 'revoked') throw failure(`${req.name} is already revoked (since ${entry.revokedAt})`);
    entry.status = 'revoked';
    entry.revokedAt = req.now.toISOString();
    entry.revocationReason = req.reason;
    const crl = await writeCrl(store, authority, index, req.now, req.crlDays);
    return { entry, crl };
  });
}

export async function issueCrl(req: { storeDir: string; days: number; caPassphrase?: PassphraseSource | undefined; now: Date }): Promise<CrlResult> {
  const store = await Store.open(req.storeDir);
  const authority = await openAuthority(store, req.caPassphrase);
  return store.change(async () => writeCrl(store, authority, await store.readIndex(), req.now, req.days));
}

/** Within a change: the next CRL number, the CRL, then the index that remembers the number. */
async function writeCrl(store: Store, authority: Authority, index: Index, now: Date, days: number): Promise<CrlResult> {
  const number = (index.crlNumber ?? 0) + 1;
  const revoked = index.certificates
    .filter((e) => e.status === 'revoked')
    .map((e) => ({ serial: e.serial, revokedAt: new Date(e.revokedAt ?? now), reason: e.revocationReason ?? 'unspecified' }));
  const nextUpdate = new Date(now.getTime() + days * DAY_MS);
  const pem = buildCrl({ caCertificatePem: authority.certPem, caKey: authority.key, revoked, number, thisUpdate: now, nextUpdate });
  await store.write(store.crl, pem, { overwrite: true });
  index.crlNumber = number;
  await store.writeIndex(index);
  return { path: store.crl.path, pem, number, revokedCount: revoked.length, nextUpdate: nextUpdate.toISOString() };
}
