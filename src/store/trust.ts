/**
 * Whether a store may be trusted, checked each time one is opened, as ssh's StrictModes checks
 * ~/.ssh (SPEC "Trust of the store"): the store directory and ca.key belong to the user running
 * `ca`, and no one else can write to the store directory, keys/ or certs/. Otherwise another local
 * user could put their own index, certificates or a link to someone's CA key in front of `ca`.
 */
import { lstat, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { failure, type CaError } from '../error.js';

const WRITABLE_BY_OTHERS = 0o022;

export async function checkStoreTrust(dir: string): Promise<void> {
  const [first] = await storeTrustProblems(dir);
  if (first) throw first;
}

/**
 * Every reason not to trust the store, in the order checkStoreTrust meets them (`ca doctor` reports
 * them all; every other command refuses at the first).
 */
export async function storeTrustProblems(dir: string): Promise<CaError[]> {
  const uid = process.geteuid?.();
  if (uid === undefined) return []; // no owners to compare on this platform
  const problems: CaError[] = [];
  const add = (p: CaError | undefined) => p && problems.push(p);
  add(await checkDirectory(dir, 'the store', uid));
  for (const sub of ['keys', 'keys/pending', 'certs']) add(await checkDirectory(join(dir, sub), `the store's ${sub}/`, uid, true));
  const keyPath = join(dir, 'ca.key');
  const key = await lstat(keyPath).catch(() => undefined);
  if (!key) return problems; // reported as missing when it is needed
  if (key.isSymbolicLink()) add(failure(`the CA key ${keyPath} is a symbolic link`, 'the store must hold the key file itself'));
  else if (key.uid !== uid) {
    add(failure(`the CA key ${keyPath} belongs to another user (uid ${key.uid})`, `run ca as its owner; if the store is yours, run: chown -R ${uid} ${dir}`));
  }
  return problems;
}

async function checkDirectory(path: string, label: string, uid: number, optional = false): Promise<CaError | undefined> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' && optional) return undefined;
    throw err;
  });
  if (!st) return undefined;
  if (st.uid !== uid) {
    return failure(`${label} ${path} belongs to another user (uid ${st.uid})`, `run ca as its owner; if it is yours, run: chown -R ${uid} ${path}`);
  }
  const mode = st.mode & 0o777;
  if (mode & WRITABLE_BY_OTHERS) {
    return failure(`${label} ${path} is writable by others (mode ${mode.toString(8).padStart(4, '0')})`, `run: chmod 700 ${path}`);
  }
  return undefined;
}
