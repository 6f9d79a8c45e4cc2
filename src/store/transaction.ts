/**
 * One locked change of a store. A change is made of ops (ops.ts), applied to the index in memory as
 * they are made and undone if the change fails; committer.ts commits them:
 *
 * 1. files that nothing names yet are written first (the issued certificate under issued/<serial>.crt,
 *    a new key under keys/pending/<id>.key), each created exclusively and fsynced;
 * 2. the ops are appended to the journal and fsynced (journal.ts): the commit point; the record also
 *    holds, in `applying`, the file updates of this change;
 * 3. those updates are made: certs/NAME.crt linked to issued/, the pending key renamed to keys/NAME.key
 *    (or an old key removed when the new certificate's key is elsewhere);
 * 4. derived files (the CRL, csrs/ copies) are written.
 *
 * A crash before 2 leaves unnamed files, removed later; a crash after 2 is finished by the next
 * change, which redoes `applying` first (every step can be redone). So keys/NAME.key always matches
 * certs/NAME.crt once a change is complete, and no key, certificate or index is ever half-written.
 */
import { randomBytes } from 'node:crypto';
import type { AcmeRecord, AcmeRemoval } from './acme-records.js';
import { existsSync, renameSync, unlinkSync } from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { linkAllAtomic, sameFile, syncDirectory, type FileRef } from './file.js';
import { currentEntry, type ApplyAction, type Index, type IndexEntry, type PendingRequest, type TokenRecord } from './index-file.js';
import { pendingKeyPath, storeName, type Layout } from './layout.js';
import { applyOp, type Op } from './ops.js';
import type { IndexState } from './state.js';
import type { Issue, StoreTransaction } from './backend.js';

export class Transaction implements StoreTransaction {
  readonly ops: Op[] = [];
  readonly newFiles: { ref: FileRef; data: string }[] = [];
  readonly derived: { ref: FileRef; data: string | Buffer }[] = [];
  readonly actions: ApplyAction[] = [];
  private readonly undos: (() => void)[] = [];

  constructor(
    private readonly files: Layout,
    private readonly state: IndexState,
  ) {}

  /** The index as this change sees it, its own changes included. */
  get index(): Index {
    return this.state.data;
  }

  /**
   * In the index, or archived: every certificate ever issued is kept as issued/<serial>.crt (a
   * file left by a change that never committed only makes a serial be drawn again).
   */
  serialTaken(serial: string): boolean {
    return this.state.serialTaken(serial) || existsSync(this.files.issued(serial).path);
  }

  private apply(op: Op): void {
    this.undos.push(applyOp(this.state, op));
    this.ops.push(op);
  }

  /** Takes back every change this transaction made to the index in memory (it failed). */
  rollback(): void {
    for (const undo of this.undos.reverse()) undo();
    this.undos.length = 0;
  }

  /** A request waiting for `ca sign`, replacing any earlier request of that name. */
  addRequest(request: Omit<PendingRequest, 'id'>, keyPem: string): PendingRequest {
    const id = randomBytes(16).toString('hex');
    this.newFiles.push({ ref: this.files.pendingKey(pendingKeyPath(id)), data: keyPem });
    const added = { ...request, id };
    this.apply({ op: 'request', request: added });
    this.derived.push({ ref: this.files.csr(request.name), data: request.csr });
    return added;
  }

  /**
   * Records a certificate as NAME's current one (SPEC "Certificate identity"): the certificate it
   * replaces becomes superseded and a request of that name is settled (unless `keepRequest`), in
   * this same change.
   */
  issue(p: Issue): void {
    const { entry } = p;
    // Checked before anything is journaled: a name that cannot be a path must never reach the
    // journal (every later read would refuse it), and `ca` is the CA's own (ca.crt, ca.key).
    if (!(entry.name === 'ca' && p.caItself)) this.files.cert(storeName(entry.name));
    this.apply({ op: 'issue', entry, keepRequest: p.keepRequest });
    this.newFiles.push({ ref: this.files.issued(entry.serial), data: p.certPem });
    let key: ApplyAction['key'] = null;
    if (p.keyPem !== undefined) {
      key = pendingKeyPath(randomBytes(16).toString('hex'));
      this.newFiles.push({ ref: this.files.pendingKey(key), data: p.keyPem });
    } else if (p.request) {
      key = pendingKeyPath(p.request.id);
    } else if (p.keepKey) {
      key = 'keep';
    }
    this.actions.push({ name: entry.name, serial: entry.serial, key });
  }

  revoke(entry: IndexEntry, at: Date, reason: string): void {
    this.apply({ op: 'revoke', serial: entry.serial, at: at.toISOString(), reason });
  }

  setCrlNumber(n: number, at: Date): void {
    this.apply({ op: 'crl', number: n, at: at.toISOString() });
  }

  putToken(token: TokenRecord): void {
    this.apply({ op: 'token', token });
  }

  putAcme(record: AcmeRecord): void {
    this.apply({ op: 'acme', record });
  }

  removeAcme(removal: AcmeRemoval): void {
    this.apply({ op: 'acme-remove', removal });
  }

  useToken(id: string, at: Date): void {
    this.apply({ op: 'token-use', id, at: at.toISOString() });
  }

  revokeToken(id: string, at: Date): void {
    this.apply({ op: 'token-revoke', id, at: at.toISOString() });
  }

  publishCrl(pem: string, der: Buffer): void {
    this.derived.push({ ref: this.files.crl, data: pem }, { ref: this.files.crlDer, data: der });
  }

  keepRequestCopy(name: string, pem: string): void {
    this.derived.push({ ref: this.files.csr(name), data: pem });
  }

  setChain(pem: string): void {
    this.derived.push({ ref: this.files.chain, data: pem });
  }
}

/**
 * Brings certs/ and keys/ in line with the last commit (step 3 above). Run after each commit and,
 * under the lock, before each change, so a change interrupted after its commit is finished.
 */
export async function applyActions(files: Layout, index: Index, applying: ApplyAction[]): Promise<void> {
  // Only the action of each name's current certificate has work to do: at most one per name.
  const current = applying.filter((a) => currentEntry(index, a.name)?.serial === a.serial);
  // certs/NAME.crt is a hard link to issued/<serial>.crt: in place without writing the data again.
  const links = current.flatMap((action) => {
    const from = files.issued(action.serial).path;
    const ref = files.cert(action.name);
    return sameFile(from, ref.path) ? [] : [{ from, ref }];
  });
  // The certificates and the keys are independent (each is redone from the journal if cut short):
  // their directories are synced at the same time.
  await Promise.all([linkAllAtomic(links), moveKeys(files, current)]);
}

async function moveKeys(files: Layout, current: ApplyAction[]): Promise<void> {
  let moved = false;
  for (const action of current) {
    if (action.key === 'keep') continue;
    const target = files.key(action.name);
    try {
      if (action.key === null) unlinkSync(target.path);
      else {
        renameSync(join(files.dir, action.key), target.path);
        moved = true;
      }
    } catch (err) {
      // ENOENT: no old key to remove, or the key was already moved by an earlier run.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  if (moved) await syncDirectory(join(files.dir, 'keys'));
}

/** Pending keys that no request and no commit names: left by a change that did not commit. */
export async function removeOrphanKeys(files: Layout, index: Index, applying: ApplyAction[]): Promise<void> {
  const named = new Set([...index.requests.map((r) => `${r.id}.key`), ...applying.map((a) => String(a.key).split('/').pop())]);
  const dir = join(files.dir, 'keys/pending');
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.endsWith('.key') && !named.has(name)) await unlink(join(dir, name)).catch(() => undefined);
  }
}
