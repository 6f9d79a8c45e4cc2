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
 * is new and the other old is two renames long. A file that exists keeps its owner when root
 * replaces it (a service's certificate stays readable by the service).
 */
export async function replaceFiles(files: { path: string; data: string; holdsKey: boolean }[]): Promise<void> {
  const writes = files.map(async (f) => {
    const ref = outputRef(f);
    const owner = process.getuid?.() === 0 ? await stat(ref.path).then((s) => ({ uid: s.uid, gid: s.gid })).catch(() => undefined) : undefined;
    return { ref, data: f.data, overwrite: true, owner };
  });
  await writeAllAtomic(await Promise.all(writes));
}
