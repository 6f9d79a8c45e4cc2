/**
 * Files of the store. A FileRef carries its path and the mode it must have, so the security policy
 * (keys 0600, everything else 0644) is stated once, in the ref, not at each write (certstrap's depot
 * tags). Writes are atomic: a temporary file in the same directory, created with its final mode,
 * written, fsynced, then renamed (or hard-linked, when nothing may be replaced) into place and the
 * directory fsynced, so a crash leaves the old file or the new one, never half of one.
 *
 * The writes of a change (and the store's lock, lock.ts) use synchronous calls for what the kernel
 * does at once (open, write, link, rename, unlink: microseconds each) and wait only for the fsyncs,
 * all of a change's at once: on a busy server each awaited call waits behind the other requests'
 * work on the one thread, and a commit made of dozens of them took longer than its fsyncs.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fchownSync, fdatasync, fsync, linkSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { alreadyExists, failure, usageError } from '../error.js';

export const KEY_MODE = 0o600;
export const PUBLIC_MODE = 0o644;
export const DIR_MODE = 0o700;

export interface FileRef {
  path: string;
  mode: number;
  /** what the file is, for messages: "the CA key", "certificate server1" */
  label: string;
  /**
   * where its temporary file is made, when not beside it (same file system): a directory of a
   * million files (issued/) is never listed to find what a crash left behind
   */
  tempDir?: string;
}

export const TEMP_SUFFIX = '.tmp';

export interface WriteOptions {
  /** replace an existing file; without it an existing file is an error */
  overwrite?: boolean;
  /** the owner the file gets (root replacing another user's file keeps it theirs) */
  owner?: { uid: number; gid: number } | undefined;
}

/** A file written whole under a temporary name, waiting to be put in place (or thrown away). */
interface Staged {
  temp: string;
  ref: FileRef;
}

/** A temporary name beside `path` (or in `dir`), hidden, and ending in TEMP_SUFFIX so that cleanup finds it. */
function tempName(path: string, dir = dirname(path)): string {
  return join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

async function stageAtomic(ref: FileRef, data: string | Uint8Array, owner?: WriteOptions['owner']): Promise<Staged> {
  const temp = tempName(ref.path, ref.tempDir);
  // O_EXCL: never follow or reuse a file someone else put there. The mode is given at creation, so
  // a key never exists with a looser mode; fchmod then sets it exactly, whatever the umask.
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, ref.mode);
  try {
    fchmodSync(fd, ref.mode);
    if (owner) fchownSync(fd, owner.uid, owner.gid);
    writeAll(fd, data);
    await syncFd(fd);
  } catch (err) {
    closeSync(fd);
    unlinkQuietly(temp);
    throw err;
  }
  closeSync(fd);
  return { temp, ref };
}

/** Writes all of `data` at the descriptor's offset (a short write is continued). */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** fsync(2) and fdatasync(2) in the thread pool: the only waits of a commit. */
export const syncFd = promisify(fsync);
export const dataSyncFd = promisify(fdatasync);

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

export async function writeAtomic(ref: FileRef, data: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
  await writeAllAtomic([{ ref, data, ...options }]);
}

export interface Write extends WriteOptions {
  ref: FileRef;
  data: string | Uint8Array;
}

/**
 * Several atomic writes at the cost of about one: every file is staged and fsynced at once (the
 * file system commits concurrent fsyncs together), put in place in order, and each directory is
 * synced once. A group commit of `ca serve` writes its certificates this way. On an error, what is
 * not yet in place is removed and the error is the first write's that failed.
 */
export async function writeAllAtomic(writes: Write[]): Promise<void> {
  const staged = await Promise.allSettled(writes.map((w) => stageAtomic(w.ref, w.data, w.owner)));
  const failed = staged.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const temps = staged.flatMap((r) => (r.status === 'fulfilled' ? [r.value.temp] : []));
  if (failed) {
    for (const t of temps) unlinkQuietly(t);
    throw failed.reason;
  }
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i]!;
    const temp = temps[i]!;
    try {
      if (w.overwrite) {
        renameSync(temp, w.ref.path);
      } else {
        linkSync(temp, w.ref.path); // fails with EEXIST, atomically, if the name is taken
        unlinkSync(temp);
      }
    } catch (err) {
      for (const t of temps.slice(i)) unlinkQuietly(t);
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw alreadyExists(`${w.ref.path} already exists`, 'pass --force to replace it');
      }
      throw err;
    }
  }
  await Promise.all([...new Set(writes.map((w) => dirname(w.ref.path)))].map(syncDirectory));
}

/**
 * Puts hard links in place atomically (a temporary link renamed over the name), then syncs their
 * directories: a file already written and synced gets another name without being written again.
 */
export async function linkAllAtomic(links: { from: string; ref: FileRef }[]): Promise<void> {
  for (const l of links) {
    const temp = tempName(l.ref.path);
    linkSync(l.from, temp);
    try {
      renameSync(temp, l.ref.path);
    } catch (err) {
      unlinkQuietly(temp);
      throw err;
    }
  }
  await Promise.all([...new Set(links.map((l) => dirname(l.ref.path)))].map(syncDirectory));
}

/** The same file (inode) under two names. */
export function sameFile(a: string, b: string): boolean {
  const x = statSync(a);
  const y = statSync(b, { throwIfNoEntry: false });
  return y !== undefined && x.ino === y.ino && x.dev === y.dev;
}

/** POSIX: a rename is durable only once the directory holding it is synced. */
export async function syncDirectory(dir: string): Promise<void> {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    await syncFd(fd);
  } finally {
    closeSync(fd);
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

/** Key files are a few KiB; anything larger is not a key and is not read into memory. */
const MAX_KEY_BYTES = 1024 * 1024;

/**
 * Reads a private key as ssh reads its own (StrictModes): opened without following a symbolic link,
 * then checked on the open descriptor, so what is checked is what is read: a regular file, owned by
 * the user running `ca`, that no one else can read. A key others could read is no longer a secret,
 * and using it silently would hide that; a key that is a link, or someone else's, is a trap.
 */
export async function readKeyRef(ref: FileRef): Promise<string> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO put in the key's place must not hang the open; fstat refuses it below.
    handle = await open(ref.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') {
      throw failure(`${ref.label} ${ref.path} is a symbolic link`, 'keys are read only from regular files in the store; put the key file itself there');
    }
    throw readFailure(ref, err as NodeJS.ErrnoException);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw failure(`${ref.label} ${ref.path} is not a regular file`, 'restore it from a backup');
    const uid = process.geteuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw failure(`${ref.label} ${ref.path} belongs to another user (uid ${st.uid})`, `only its owner may use it; if it is yours, run: chown ${uid} ${ref.path}`);
    }
    const mode = st.mode & 0o777;
    if (mode & 0o077) {
      throw failure(
        `${ref.label} ${ref.path} is readable by others (mode ${mode.toString(8).padStart(4, '0')})`,
        `if it was not exposed, run: chmod 600 ${ref.path}`,
      );
    }
    if (st.size > MAX_KEY_BYTES) throw failure(`${ref.label} ${ref.path} is too large to be a key`, 'restore it from a backup');
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Reads a file given on the command line (a CSR, a certificate), stopping at `max` bytes: `/dev/zero`
 * or a huge file is refused after reading the bound, never loaded whole (SPEC: inputs are bounded).
 */
export async function readLimited(path: string, max: number, flag: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw usageError(`cannot read ${flag}${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  try {
    if ((await handle.stat()).isDirectory()) throw usageError(`cannot read ${flag}${path}: it is a directory`);
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > max) throw failure(`${path} is larger than ${max / 1024} KiB`, 'a certificate, request or CRL is a few KiB; check the file');
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/**
 * Creates a directory and any missing parents 0700, exactly: mkdir's mode is masked by the umask
 * (and `recursive` parents got 0777 & ~umask), so each directory created is chmod'ed after.
 */
export async function makePrivateDirectory(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true, mode: DIR_MODE });
  if (first === undefined) return;
  for (let dir = path; ; dir = dirname(dir)) {
    await chmod(dir, DIR_MODE);
    if (dir === first || dirname(dir) === dir) break;
  }
}

function readFailure(ref: FileRef, err: NodeJS.ErrnoException): Error {
  if (err.code === 'ENOENT') return failure(`${ref.label} is missing: ${ref.path} does not exist`, 'restore it from a backup');
  if (err.code === 'EACCES') return failure(`${ref.label} ${ref.path} cannot be read: permission denied`);
  if (err.code === 'EISDIR') return failure(`${ref.label} ${ref.path} is a directory`);
  return err;
}

/**
 * A key file given on the command line (`ca renew --server --key`): a regular file that no one but
 * its owner can read, at most 1 MiB. Its owner may be another user: root renews a service's key.
 */
export async function readKeyFile(path: string, flag: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw usageError(`cannot read ${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size > MAX_KEY_BYTES) throw failure(`${flag} ${path} is not a key file`);
    const mode = st.mode & 0o777;
    if (mode & 0o077) throw failure(`${flag} ${path} is readable by others (mode ${mode.toString(8).padStart(4, '0')})`, `if it was not exposed, run: chmod 600 ${path}`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
