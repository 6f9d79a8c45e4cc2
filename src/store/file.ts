/**
 * Files of the store. A FileRef carries its path and the mode it must have, so the security policy
 * (keys 0600, everything else 0644) is stated once, in the ref, not at each write (certstrap's depot
 * tags). Writes are atomic: a temporary file in the same directory, created with its final mode,
 * written, fsynced, then renamed (or hard-linked, when nothing may be replaced) into place and the
 * directory fsynced, so a crash leaves the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { alreadyExists, failure } from '../error.js';

export const KEY_MODE = 0o600;
export const PUBLIC_MODE = 0o644;
export const DIR_MODE = 0o700;

export interface FileRef {
  path: string;
  mode: number;
  /** what the file is, for messages: "the CA key", "certificate server1" */
  label: string;
}

export const TEMP_SUFFIX = '.tmp';

export interface WriteOptions {
  /** replace an existing file; without it an existing file is an error */
  overwrite?: boolean;
}

export async function writeAtomic(ref: FileRef, data: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
  const dir = dirname(ref.path);
  const temp = join(dir, `.${basename(ref.path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  // O_EXCL: never follow or reuse a file someone else put there. The mode is given at creation, so
  // a key never exists with a looser mode; fchmod then sets it exactly, whatever the umask.
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, ref.mode);
  try {
    await handle.chmod(ref.mode);
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    if (options.overwrite) {
      await rename(temp, ref.path);
    } else {
      await link(temp, ref.path); // fails with EEXIST, atomically, if the name is taken
      await unlink(temp);
    }
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw alreadyExists(`${ref.path} already exists`, 'pass --force to replace it');
    }
    throw err;
  }
  await syncDirectory(dir);
}

/** POSIX: a rename is durable only once the directory holding it is synced. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export async function readRef(ref: FileRef): Promise<string> {
  try {
    return await readFile(ref.path, 'utf8');
  } catch (err) {
    throw readFailure(ref, err as NodeJS.ErrnoException);
  }
}

/**
 * Reads a private key, refusing one that others can read: a key that has been exposed is no longer
 * a secret, and using it silently would hide that (ssh refuses such keys for the same reason).
 */
export async function readKeyRef(ref: FileRef): Promise<string> {
  let mode: number;
  try {
    mode = (await stat(ref.path)).mode & 0o777;
  } catch (err) {
    throw readFailure(ref, err as NodeJS.ErrnoException);
  }
  if (mode & 0o077) {
    throw failure(
      `${ref.label} ${ref.path} is readable by others (mode ${mode.toString(8).padStart(4, '0')})`,
      `if it was not exposed, run: chmod 600 ${ref.path}`,
    );
  }
  return readRef(ref);
}

function readFailure(ref: FileRef, err: NodeJS.ErrnoException): Error {
  if (err.code === 'ENOENT') return failure(`${ref.label} is missing: ${ref.path} does not exist`, 'restore it from a backup');
  if (err.code === 'EACCES') return failure(`${ref.label} ${ref.path} cannot be read: permission denied`);
  if (err.code === 'EISDIR') return failure(`${ref.label} ${ref.path} is a directory`);
  return err;
}
