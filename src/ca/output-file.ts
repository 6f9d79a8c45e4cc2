/**
 * Files written outside the store (`--out`): the same atomic write and modes as inside it, and no
 * silent overwrite. A file that holds a key is 0600.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KEY_MODE, PUBLIC_MODE, writeAllAtomic, type FileRef } from '../store/file.js';

export interface OutputFile {
  path: string;
  data: string | Uint8Array;
  holdsKey: boolean;
  force: boolean;
}

function outputRef(f: { path: string; holdsKey: boolean }): FileRef {
  return { path: resolve(f.path), mode: f.holdsKey ? KEY_MODE : PUBLIC_MODE, label: f.path };
}

/** Writes one file; its absolute path. */
export async function writeOutputFile(f: OutputFile): Promise<string> {
  return (await writeOutputFiles([f]))[0]!;
}

/** Writes files together (a certificate and its key): fsynced at once, each directory synced once. */
export async function writeOutputFiles(files: OutputFile[]): Promise<string[]> {
  const writes = files.map((f) => ({ ref: outputRef(f), data: f.data, overwrite: f.force }));
  await writeAllAtomic(writes);
  return writes.map((w) => w.ref.path);
}

/**
 * Replaces files together (a renewed certificate and its key): each is written whole under a
 * temporary name first, then all are renamed into place back to back, so the window in which one
 * is new and the other old is two renames long. SPEC "Third wave": each file keeps its mode and
 * owner — a service's 0640 certificate of group etcd stays so — except that a key never becomes
 * looser than 0600. Root keeps owner and group; another user keeps the group when it is in it.
 */
export async function replaceFiles(files: { path: string; data: string; holdsKey: boolean }[]): Promise<void> {
  const writes = files.map(async (f) => {
    const ref = outputRef(f);
    const now = await stat(ref.path).catch(() => undefined);
    if (now === undefined) return { ref, data: f.data, overwrite: true };
    const mode = f.holdsKey ? now.mode & KEY_MODE : now.mode & 0o777;
    return { ref: { ...ref, mode }, data: f.data, overwrite: true, owner: ownerToKeep(now) };
  });
  await writeAllAtomic(await Promise.all(writes));
}

function ownerToKeep(now: { uid: number; gid: number }): { uid: number; gid: number } | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined; // Windows: no POSIX owners
  if (uid === 0) return { uid: now.uid, gid: now.gid };
  if (now.gid !== process.getgid?.() && process.getgroups?.().includes(now.gid)) return { uid, gid: now.gid };
  return undefined;
}
