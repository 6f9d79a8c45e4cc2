/**
 * The store directory (SPEC "Store"): where each file lives and with which mode, opening an existing
 * store, creating a new one whole, and the lock every change is made under. Knows nothing of X.509.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { alreadyExists, failure } from '../error.js';
import {
  DIR_MODE,
  KEY_MODE,
  PUBLIC_MODE,
  TEMP_SUFFIX,
  exists,
  readKeyRef,
  readRef,
  syncDirectory,
  writeAtomic,
  type FileRef,
  type WriteOptions,
} from './file.js';
import { parseIndex, serializeIndex, type Index } from './index-file.js';
import { isAbandonedLockTemp, withLock } from './lock.js';
import { isStalePid } from './process.js';

export const STORE_FORMAT = 1;
export const DEFAULT_STORE_DIR = '.ca';
const SUBDIRS = ['certs', 'keys', 'csrs'] as const;

export interface StoreMeta {
  format: number;
  /** the CA's common name */
  name: string;
  /** a UUID made by init; the OU of every certificate */
  clusterId: string;
  createdAt: string;
}

export class Store {
  readonly dir: string;
  readonly meta: StoreMeta;

  private constructor(dir: string, meta: StoreMeta) {
    this.dir = dir;
    this.meta = meta;
  }

  static async open(dir: string): Promise<Store> {
    const abs = resolve(dir);
    const metaRef = storeFile(abs, 'store.json', PUBLIC_MODE, 'the store description');
    if (!(await exists(metaRef.path))) {
      throw failure(`no CA store in ${dir}`, 'run `ca init` first, or point --store / CA_STORE at an existing store');
    }
    return new Store(abs, parseMeta(await readRef(metaRef), metaRef.path));
  }

  get caCert(): FileRef {
    return storeFile(this.dir, 'ca.crt', PUBLIC_MODE, 'the CA certificate');
  }
  get caKey(): FileRef {
    return storeFile(this.dir, 'ca.key', KEY_MODE, 'the CA key');
  }
  get crl(): FileRef {
    return storeFile(this.dir, 'crl.pem', PUBLIC_MODE, 'the CRL');
  }
  get index(): FileRef {
    return storeFile(this.dir, 'index.json', PUBLIC_MODE, 'the index');
  }
  cert(name: string): FileRef {
    return storeFile(this.dir, `certs/${name}.crt`, PUBLIC_MODE, `certificate ${name}`);
  }
  key(name: string): FileRef {
    return storeFile(this.dir, `keys/${name}.key`, KEY_MODE, `the key of ${name}`);
  }
  csr(name: string): FileRef {
    return storeFile(this.dir, `csrs/${name}.csr`, PUBLIC_MODE, `request ${name}`);
  }
  profile(name: string): FileRef {
    return storeFile(this.dir, `profiles/${name}.json`, PUBLIC_MODE, `profile ${name}`);
  }

  read(ref: FileRef): Promise<string> {
    return readRef(ref);
  }
  readKey(ref: FileRef): Promise<string> {
    return readKeyRef(ref);
  }
  write(ref: FileRef, data: string | Uint8Array, options?: WriteOptions): Promise<void> {
    return writeAtomic(ref, data, options);
  }
  has(ref: FileRef): Promise<boolean> {
    return exists(ref.path);
  }

  async readIndex(): Promise<Index> {
    return parseIndex(await readRef(this.index), this.index.path);
  }
  writeIndex(index: Index): Promise<void> {
    return writeAtomic(this.index, serializeIndex(index), { overwrite: true });
  }

  /**
   * Runs a change under the store's lock. Temporary files found once the lock is held belong to a
   * writer that died (every write happens under the lock), so they are removed first; so are lock
   * temporaries whose owner is dead.
   */
  change<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.dir, async () => {
      await this.removeTemporaryFiles();
      return fn();
    });
  }

  private async removeTemporaryFiles(): Promise<void> {
    for (const sub of ['.', ...SUBDIRS]) {
      const dir = join(this.dir, sub);
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names) {
        const abandoned = (name.startsWith('.') && name.endsWith(TEMP_SUFFIX)) || isAbandonedLockTemp(name);
        if (abandoned) await unlink(join(dir, name)).catch(() => undefined);
      }
    }
  }
}

function storeFile(dir: string, relative: string, mode: number, label: string): FileRef {
  return { path: join(dir, relative), mode, label };
}

function parseMeta(text: string, path: string): StoreMeta {
  let meta: Partial<StoreMeta>;
  try {
    meta = JSON.parse(text) as Partial<StoreMeta>;
  } catch (err) {
    throw failure(`${path} is damaged: ${(err as Error).message}`, 'restore it from a backup');
  }
  if (meta.format !== STORE_FORMAT || typeof meta.clusterId !== 'string' || typeof meta.name !== 'string') {
    throw failure(`${path} is not a clusterca store description of format ${STORE_FORMAT}`, 'restore it from a backup');
  }
  return meta as StoreMeta;
}

export interface NewStore {
  dir: string;
  meta: StoreMeta;
  caCertPem: string;
  caKeyPem: string;
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
  await mkdir(dirname(dir), { recursive: true });
  await mkdir(build, { mode: DIR_MODE });
  try {
    for (const sub of SUBDIRS) await mkdir(join(build, sub), { mode: DIR_MODE });
    await writeAtomic(storeFile(build, 'ca.key', KEY_MODE, 'the CA key'), p.caKeyPem);
    await writeAtomic(storeFile(build, 'ca.crt', PUBLIC_MODE, 'the CA certificate'), p.caCertPem);
    await writeAtomic(storeFile(build, 'index.json', PUBLIC_MODE, 'the index'), serializeIndex(p.index));
    await writeAtomic(storeFile(build, 'store.json', PUBLIC_MODE, 'the store description'), `${JSON.stringify(p.meta, null, 2)}\n`);
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
