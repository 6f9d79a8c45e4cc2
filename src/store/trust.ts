/**
 * Whether a store may be trusted, checked each time one is opened, as ssh's StrictModes checks
 * ~/.ssh (SPEC "Trust of the store"): the store directory and ca.key belong to the user running
 * `ca`, and no one else can write to the store directory, keys/ or certs/. Otherwise another local
 * user could put their own index, certificates or a link to someone's CA key in front of `ca`.
 */
import { lstat, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { failure } from '../error.js';

const WRITABLE_BY_OTHERS = 0o022;

export async function checkStoreTrust(dir: string): Promise<void> {
  const uid = process.geteuid?.();
  if (uid === undefined) return; // no owners to compare on this platform
  await checkDirectory(dir, 'the store', uid);
  for (const sub of ['keys', 'keys/pending', 'certs']) await checkDirectory(join(dir, sub), `the store's ${sub}/`, uid, true);
  const keyPath = join(dir, 'ca.key');
  const key = await lstat(keyPath).catch(() => undefined);
  if (!key) return; // reported as missing when it is needed
  if (key.isSymbolicLink()) throw failure(`the CA key ${keyPath} is a symbolic link`, 'the store must hold the key file itself');
  if (key.uid !== uid) {
    throw failure(`the CA key ${keyPath} belongs to another user (uid ${key.uid})`, `run ca as its owner; if the store is yours, run: chown -R ${uid} ${dir}`);
  }
}

async function checkDirectory(path: string, label: string, uid: number, optional = false): Promise<void> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' && optional) return undefined;
    throw err;
  });
  if (!st) return;
  if (st.uid !== uid) {
    throw failure(`${label} ${path} belongs to another user (uid ${st.uid})`, `run ca as its owner; if it is yours, run: chown -R ${uid} ${path}`);
  }
  const mode = st.mode & 0o777;
  if (mode & WRITABLE_BY_OTHERS) {
    throw failure(`${label} ${path} is writable by others (mode ${mode.toString(8).padStart(4, '0')})`, `run: chmod 700 ${path}`);
  }
}
