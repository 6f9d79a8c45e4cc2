/**
 * The store directory (SPEC "Store"): opening an existing store (after checking that it can be
 * trusted), creating a new one whole, and the locked changes (transaction.ts) every command makes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { alreadyExists, failure } from '../error.js';
import { Committer } from './committer.js';
import { DIR_MODE, exists, makePrivateDirectory, readKeyRef, readLimited, readRef, syncDirectory, writeAtomic, type FileRef } from './file.js';
import { serializeIndex, type Index, type IndexEntry } from './index-file.js';
import { Archive } from './archive.js';
import { Layout, SUBDIRS } from './layout.js';
import { parseMeta, type StoreMeta } from './meta.js';
import { isStalePid } from './process.js';
import type { CaStore, StorePart } from './backend.js';
import { loadProfile } from './profiles.js';
import type { Profile } from '../pki/profile.js';
import type { Transaction } from './transaction.js';
import { checkStoreTrust } from './trust.js';

export { STORE_FORMAT, type StoreMeta } from './meta.js';
export type { CaStore, StorePart, StoreTransaction } from './backend.js';

/** The store at `location`: a directory of files (the one backend so far; backend.ts). */
export function openStore(location: string): Promise<CaStore> {
  return Store.open(location);
}
export const DEFAULT_STORE_DIR = '.ca';

export class Store extends Layout implements CaStore {
  readonly meta: StoreMeta;
  private readonly committer: Committer;

  private constructor(dir: string, meta: StoreMeta) {
    super(dir);
    this.meta = meta;
    this.committer = new Committer(this);
  }

  static async open(dir: string): Promise<Store> {
    const abs = resolve(dir);
    const layout = new Layout(abs);
    if (!(await exists(layout.metaFile.path))) {
      throw failure(`no CA store in ${dir}`, 'run `ca init` first, or point --store / CA_STORE at an existing store');
    }
    await checkStoreTrust(abs);
    return new Store(abs, parseMeta(await readRef(layout.metaFile), layout.metaFile.path));
  }

  describe(part: StorePart): string {
    if (typeof part === 'string') {
      const refs = { 'ca certificate': this.caCert, 'ca key': this.caKey, chain: this.chain, index: this.index, crl: this.crl, 'crl der': this.crlDer };
      return refs[part].path;
    }
    if ('certificate' in part) return this.cert(part.certificate).path;
    if ('key' in part) return this.key(part.key).path;
    if ('issued' in part) return this.issued(part.issued).path;
    return this.csr(part.request).path;
  }
  readCaCertificate(): Promise<string> {
    return readRef(this.caCert);
  }
  readCaKey(): Promise<string> {
    return readKeyRef(this.caKey);
  }
  async readChain(): Promise<string | undefined> {
    return (await exists(this.chain.path)) ? readRef(this.chain) : undefined;
  }
  readKey(name: string): Promise<string> {
    return readKeyRef(this.key(name));
  }
  async readCrl(): Promise<Buffer | undefined> {
    return (await exists(this.crlDer.path)) ? readLimited(this.crlDer.path, 64 * 1024 * 1024, '') : undefined;
  }
  loadProfile(name: string): Promise<Profile> {
    return loadProfile(name, this.dir);
  }

  read(ref: FileRef): Promise<string> {
    return readRef(ref);
  }

  /** The index as it stands (a format 1 index is upgraded first, upgrade.ts). */
  readIndex(): Promise<Index> {
    return this.committer.read();
  }

  async archivedEntry(serial: string): Promise<IndexEntry | undefined> {
    return new Archive(this).find(serial);
  }

  archivedEntries(index: IndexEntry[]): AsyncIterable<IndexEntry> {
    const inIndex = new Set(index.map((e) => e.serial));
    return new Archive(this).entries((serial) => inIndex.has(serial));
  }

  /** The certificate of an index entry, PEM, from issued/ (where every certificate is kept). */
  async certificatePem(entry: IndexEntry): Promise<string> {
    const ref = this.issued(entry.serial);
    // Format 1 stores kept only each name's current certificate; what they superseded is gone.
    if (entry.publicKey === null && !(await exists(ref.path))) {
      throw failure(`certificate ${entry.serial} (${entry.name}) was not kept`, 'clusterca 0.1 kept a certificate only while it was current');
    }
    return readRef(ref);
  }

  /**
   * Runs a change under the store's lock (committer.ts): alone on the index, committed with the
   * changes asked for at the same time, after whatever a dead writer left has been finished.
   */
  change<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.committer.change(fn);
  }
}

export interface NewStore {
  dir: string;
  meta: StoreMeta;
  caCertPem: string;
  caKeyPem: string;
  /** the certificates above an intermediate CA, its issuer first (chain.pem) */
  chainPem?: string | undefined;
  index: Index;
  /** replace an existing store; the old one is kept beside it */
  force: boolean;
  /** for the name of the kept store */
  now: Date;
}

/**
 * Creates a store whole: it is built in a sibling directory and renamed into place, so a crash or a
 * failure leaves either no store or a complete one. With `force`, an existing store is moved aside
 * (never deleted: its CA key may still be needed) and its new name returned.
 */
export async function createStore(p: NewStore): Promise<{ dir: string; replaced?: string }> {
  const dir = resolve(p.dir);
  const existing = await checkNewStore(p.dir, p.force);
  await removeAbandonedBuilds(dir);
  const build = `${dir}.init-${process.pid}-${randomBytes(4).toString('hex')}`;
  await makePrivateDirectory(dirname(dir));
  await mkdir(build, { mode: DIR_MODE });
  try {
    const files = new Layout(build);
    for (const sub of ['.', ...SUBDIRS]) await makePrivateDirectory(join(build, sub));
    await writeAtomic(files.caKey, p.caKeyPem);
    await writeAtomic(files.caCert, p.caCertPem);
    if (p.chainPem) await writeAtomic(files.chain, p.chainPem);
    for (const e of p.index.certificates) await writeAtomic(files.issued(e.serial), p.caCertPem);
    await writeAtomic(files.index, serializeIndex(p.index));
    await writeAtomic(files.metaFile, `${JSON.stringify(p.meta, null, 2)}\n`);
    // Inside a git work tree (`npx ca init` in a clone), `git add .` must not take the CA key.
    await writeAtomic(files.gitignore, '# A CA store: never committed (its keys can issue certificates for the cluster).\n*\n');
    let replaced: string | undefined;
    if (existing === 'store') {
      replaced = `${dir}.replaced-${p.now.toISOString().replace(/[:.]/g, '-')}`;
      await rename(dir, replaced);
    } else if (existing === 'empty') {
      await rmdir(dir);
    }
    await rename(build, dir);
    await syncDirectory(dirname(dir));
    return replaced ? { dir, replaced } : { dir };
  } catch (err) {
    await rm(build, { recursive: true, force: true });
    throw err;
  }
}

/** Whether a store may be created at `dir`: checked again by createStore, first before slow work. */
export async function checkNewStore(dir: string, force: boolean): Promise<'none' | 'empty' | 'store'> {
  const existing = await existingStore(resolve(dir));
  if (existing === 'store' && !force) {
    throw alreadyExists(`a CA store already exists in ${dir}`, 'pass --force to replace it (the old store is kept beside it)');
  }
  return existing;
}

async function existingStore(dir: string): Promise<'none' | 'empty' | 'store'> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'none';
    if (code === 'ENOTDIR') throw failure(`${dir} exists and is not a directory`, 'choose another --store');
    throw err;
  }
  if (names.includes('store.json')) return 'store';
  if (names.length === 0) return 'empty';
  throw failure(`${dir} exists, is not empty and is not a CA store`, 'choose another --store, or empty it');
}

/** Half-built stores of init runs that were killed: their pid, in the name, is gone. */
async function removeAbandonedBuilds(dir: string): Promise<void> {
  const prefix = `${basename(dir)}.init-`;
  const names = await readdir(dirname(dir)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (isStalePid(pid)) await rm(join(dirname(dir), name), { recursive: true, force: true });
  }
}
