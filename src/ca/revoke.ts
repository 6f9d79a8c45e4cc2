/**
 * `ca revoke` and `ca crl`. Revoking marks certificates in the index and writes a fresh CRL in the
 * same change under the lock; the index is committed first, so a crash can delay the CRL (the next
 * `ca crl` or `ca revoke` writes it) but never lose a revocation.
 *
 * What is revoked (SPEC "Certificate identity"): NAME's current certificate; with `all`, every
 * unexpired certificate ever issued under NAME; with `serial`, exactly that one. A key compromise
 * reaches further: every unexpired certificate for the same public key, under any name, is revoked
 * too, since whoever holds the key can use any of them. A CA compromise is a key compromise of a CA
 * (RFC 5280 5.3.1): revoking an intermediate with `cACompromise` reaches every certificate of its
 * key, the ones from before `ca renew ca --parent` included (SPEC "Name constraints constrain every
 * name form").
 */
import { CaError, failure, missing, usageError } from '../error.js';
import { buildCrl } from '../pki/crl.js';
import { entriesOf, entriesOfKey, entryBySerial, normalizeSerial, requireEntry, type Index, type IndexEntry } from '../store/index-file.js';
import { openStore, type CaStore } from '../store/store.js';
import type { StoreTransaction as Transaction } from '../store/store.js';
import { openAuthority, type Authority, type PassphraseSource } from './authority.js';

export const DEFAULT_CRL_DAYS = 30;
/** The reasons that say a private key is in other hands: every certificate of that key goes. */
const KEY_REASONS: ReadonlySet<string> = new Set(['keyCompromise', 'cACompromise']);
const DAY_MS = 86_400_000;

export interface CrlResult {
  path: string;
  derPath: string;
  pem: string;
  der: Buffer;
  number: number;
  revokedCount: number;
  nextUpdate: string;
}

export type RevokeTarget = { name: string; all?: boolean } | { serial: string };

export interface RevokeRequest {
  storeDir: string;
  target: RevokeTarget;
  reason: string;
  caPassphrase?: PassphraseSource | undefined;
  crlDays: number;
  now: Date;
}

export interface RevokeResult {
  /** the certificates asked for */
  revoked: IndexEntry[];
  /** others revoked with them because they share a compromised key */
  sameKey: IndexEntry[];
  /** older certificates of NAME that are still valid (with `name` and without `all`) */
  stillValid: IndexEntry[];
  crl: CrlResult;
}

export async function revokeCertificate(req: RevokeRequest): Promise<RevokeResult> {
  const store = await openStore(req.storeDir);
  if ('name' in req.target && req.target.name === 'ca') throw failure('the CA cannot revoke itself', 'to retire the CA, make a new one with `ca init --force`');
  const authority = await openAuthority(store, req.caPassphrase, { now: req.now });
  return revokeIn(store, authority, req);
}

/** The revocation itself, for a store and CA already open (the CLI's, or `ca serve`'s). */
export async function revokeIn(store: CaStore, authority: Authority, req: Pick<RevokeRequest, 'target' | 'reason' | 'crlDays' | 'now'>): Promise<RevokeResult> {
  try {
    return await revokeChange(store, authority, req);
  } catch (err) {
    throw 'serial' in req.target ? await archivedInstead(store, req.target.serial, err) : err;
  }
}

/**
 * A serial the index does not have may be archived: expired long ago (archive.ts). It is named,
 * and nothing is revoked: an expired certificate is trusted by no one, and leaves CRLs once expired
 * (RFC 5280 3.3).
 */
async function archivedInstead(store: CaStore, serial: string, err: unknown): Promise<unknown> {
  const wanted = normalizeSerial(serial);
  if (!(err instanceof CaError && err.refusal === 'missing') || wanted === undefined) return err;
  const archived = await store.archivedEntry(wanted);
  if (!archived) return err;
  return failure(`certificate ${archived.serial} (${archived.name}) expired on ${archived.notAfter}: there is nothing to revoke`, 'an expired certificate is trusted by no one; CRLs leave it out once it has expired');
}

function revokeChange(store: CaStore, authority: Authority, req: Pick<RevokeRequest, 'target' | 'reason' | 'crlDays' | 'now'>): Promise<RevokeResult> {
  return store.change(async (tx) => {
    const chosen = choose(tx.index, req.target, req.now);
    const live = (e: IndexEntry) => e.status !== 'revoked' && new Date(e.notAfter) > req.now;
    const sameKey =
      KEY_REASONS.has(req.reason)
        ? [...new Set(chosen.flatMap((c) => (c.publicKey ? entriesOfKey(tx.index, c.publicKey) : [])))].filter((e) => live(e) && e.name !== 'ca' && !chosen.includes(e))
        : [];
    for (const e of [...chosen, ...sameKey]) tx.revoke(e, req.now, req.reason);
    const stillValid = 'name' in req.target && !req.target.all ? entriesOf(tx.index, chosen[0]!.name).filter(live) : [];
    const crl = writeCrl(store, tx, authority, req.now, req.crlDays);
    return { revoked: chosen, sameKey, stillValid, crl };
  });
}

function choose(index: Index, target: RevokeTarget, now: Date): IndexEntry[] {
  if ('serial' in target) {
    const entry = entryBySerial(index, target.serial);
    if (!entry) throw missing(`no certificate with serial ${target.serial} was issued by this CA`, 'run `ca list --json` to see every serial');
    if (entry.name === 'ca') throw failure('the CA cannot revoke itself', 'to retire the CA, make a new one with `ca init --force`');
    if (entry.status === 'revoked') throw failure(`certificate ${entry.serial} (${entry.name}) is already revoked (since ${entry.revokedAt})`);
    return [entry];
  }
  const current = requireEntry(index, target.name);
  if (!target.all) {
    if (current.status === 'revoked') {
      const older = entriesOf(index, target.name).filter((e) => e.status !== 'revoked' && new Date(e.notAfter) > now);
      const hint = older.length > 0 ? `${older.length} older certificate(s) of ${target.name} are still valid: \`ca revoke --all ${target.name}\`` : undefined;
      throw failure(`${target.name} is already revoked (since ${current.revokedAt})`, hint);
    }
    return [current];
  }
  const all = entriesOf(index, target.name).filter((e) => e.status !== 'revoked' && new Date(e.notAfter) > now);
  if (all.length === 0) throw failure(`every certificate of ${target.name} is already revoked or expired`);
  return all;
}

export async function issueCrl(req: { storeDir: string; days: number; caPassphrase?: PassphraseSource | undefined; now: Date }): Promise<CrlResult> {
  const store = await openStore(req.storeDir);
  const authority = await openAuthority(store, req.caPassphrase, { now: req.now });
  return store.change(async (tx) => writeCrl(store, tx, authority, req.now, req.days));
}

/** Within a change: the next CRL number, recorded in the index; the CRL files follow the commit. */
export function writeCrl(store: CaStore, tx: Transaction, authority: Authority, now: Date, days: number): CrlResult {
  const number = tx.index.crlNumber + 1;
  const revoked = tx.index.certificates
    .filter((e) => e.status === 'revoked')
    .map((e) => ({ serial: e.serial, revokedAt: new Date(e.revokedAt ?? now), reason: e.revocationReason ?? 'unspecified' }));
  const nextUpdate = new Date(now.getTime() + days * DAY_MS);
  const { pem, der } = buildCrl({ caCertificatePem: authority.certPem, caKey: authority.key, revoked, number, thisUpdate: now, nextUpdate });
  tx.setCrlNumber(number, now);
  tx.publishCrl(pem, der);
  return { path: store.describe('crl'), derPath: store.describe('crl der'), pem, der, number, revokedCount: revoked.length, nextUpdate: nextUpdate.toISOString() };
}

/** `--serial` and NAME are two ways to name what to revoke; exactly one is given. */
export function revokeTarget(p: { name?: string | undefined; serial?: string | undefined; all?: boolean | undefined }): RevokeTarget {
  if (p.serial !== undefined && p.name !== undefined) throw usageError('give a NAME or --serial, not both');
  if (p.serial !== undefined) {
    if (p.all) throw usageError('--all goes with a NAME', 'with --serial exactly one certificate is revoked');
    return { serial: p.serial };
  }
  if (p.name === undefined) throw usageError('give the NAME of the certificate to revoke, or --serial HEX');
  return { name: p.name, all: Boolean(p.all) };
}
