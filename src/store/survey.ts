/**
 * A store read for `ca doctor`: everything it holds that can be checked without a passphrase, read
 * without opening the store (no trust check to refuse it, no lock, no upgrade, no clean-up of what a
 * dead writer left), so that a store every other command refuses can still be examined. Nothing
 * here writes. Each file is opened without following a symbolic link and without waiting on a FIFO,
 * and read only if it is a regular file of bounded size: the store examined may not be trustworthy.
 */
import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CaError, failure } from '../error.js';
import { parseIndex, type Index } from './index-file.js';
import { readJournal } from './journal.js';
import { Layout } from './layout.js';
import { parseMeta, type StoreMeta } from './meta.js';
import { applyOp } from './ops.js';
import { IndexState } from './state.js';
import { storeTrustProblems } from './trust.js';

const MAX_FILE_BYTES = 64 * 1024 * 1024;

export interface KeyFile {
  /** relative to the store: keys/NAME.key, keys/pending/ID.key */
  path: string;
  encrypted: boolean;
  mode: number;
}

export interface StoreSurvey {
  dir: string;
  meta: StoreMeta;
  /** why other commands would refuse the store (trust.ts), all of them */
  trust: CaError[];
  index: Index | CaError;
  /** the journal's last line was cut short (a crash); the next change cuts it off */
  journalTorn: boolean;
  caCertificate: string | CaError;
  chain: string | undefined;
  crl: Buffer | undefined;
  caKey: { encrypted: boolean; mode: number } | CaError | undefined;
  keys: KeyFile[];
}

/** Throws only when there is no store description to go by (no store, or a damaged store.json). */
export async function surveyStore(location: string): Promise<StoreSurvey> {
  const dir = resolve(location);
  const layout = new Layout(dir);
  const metaText = await readRegular(layout.metaFile.path, 'the store description');
  if (metaText === undefined) throw failure(`no CA store in ${dir}`, 'run `ca init` first, or point --store / CA_STORE at an existing store');
  if (metaText instanceof CaError) throw metaText;
  const meta = parseMeta(metaText.bytes.toString('utf8'), layout.metaFile.path);
  const text = async (path: string, label: string) => {
    const r = await readRegular(path, label);
    return r === undefined || r instanceof CaError ? r : r.bytes.toString('utf8');
  };
  const caCertificate = (await text(layout.caCert.path, 'the CA certificate')) ?? failure(`the CA certificate is missing: ${layout.caCert.path} does not exist`, 'restore it from a backup');
  const chain = await text(layout.chain.path, 'the CA chain');
  const crl = await readRegular(layout.crlDer.path, 'the CRL');
  const { index, torn } = await readIndex(layout);
  return {
    dir,
    meta,
    trust: await storeTrustProblems(dir),
    index,
    journalTorn: torn,
    caCertificate,
    chain: typeof chain === 'string' ? chain : undefined,
    crl: crl === undefined || crl instanceof CaError ? undefined : crl.bytes,
    caKey: await keyFile(layout.caKey.path),
    keys: await keyFiles(dir),
  };
}

/** The snapshot and the journal after it, as the committer reads them, in memory only. */
async function readIndex(layout: Layout): Promise<{ index: Index | CaError; torn: boolean }> {
  try {
    const snapshot = await readRegular(layout.index.path, 'the index');
    if (snapshot === undefined) return { index: failure(`the index is missing: ${layout.index.path} does not exist`, 'restore it from a backup'), torn: false };
    if (snapshot instanceof CaError) return { index: snapshot, torn: false };
    const state = new IndexState(parseIndex(snapshot.bytes.toString('utf8'), layout.index.path));
    const journal = await readRegular(layout.journal.path, 'the journal');
    if (journal instanceof CaError) return { index: journal, torn: false };
    if (journal === undefined) return { index: state.data, torn: false };
    const tail = await readJournal(layout.journal);
    for (const record of tail.records.filter((r) => r.seq > state.data.seq)) for (const op of record.ops) applyOp(state, op);
    return { index: state.data, torn: tail.torn };
  } catch (err) {
    if (err instanceof CaError) return { index: err, torn: false };
    throw err;
  }
}

async function keyFiles(dir: string): Promise<KeyFile[]> {
  const found: KeyFile[] = [];
  for (const sub of ['keys', 'keys/pending']) {
    const names = await readdir(join(dir, sub)).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.key')).sort()) {
      const key = await keyFile(join(dir, sub, name));
      if (key && !(key instanceof CaError)) found.push({ path: `${sub}/${name}`, ...key });
    }
  }
  return found;
}

/** Whether a key file is encrypted (its PEM label says so), and its mode; its contents go no further. */
async function keyFile(path: string): Promise<{ encrypted: boolean; mode: number } | CaError | undefined> {
  const read = await readRegular(path, 'the key', 1024 * 1024);
  if (read === undefined || read instanceof CaError) return read;
  const text = read.bytes.toString('latin1');
  return { encrypted: /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(text), mode: read.mode };
}

/** A regular file's bytes; undefined when it does not exist; a CaError saying why it cannot be read. */
async function readRegular(path: string, label: string, max = MAX_FILE_BYTES): Promise<{ bytes: Buffer; mode: number } | CaError | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') return failure(`${label} ${path} is a symbolic link`, 'put the file itself in the store');
    return failure(`${label} ${path} cannot be read: ${code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return failure(`${label} ${path} is not a regular file`, 'restore it from a backup');
    if (st.size > max) return failure(`${label} ${path} is too large (${st.size} bytes)`, 'restore it from a backup');
    return { bytes: await handle.readFile(), mode: st.mode & 0o777 };
  } finally {
    await handle.close();
  }
}
