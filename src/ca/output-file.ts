/**
 * Files written outside the store (`--out`): the same atomic write and modes as inside it, and no
 * silent overwrite. A file that holds a key is 0600.
 */
import { stat, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KEY_MODE, PUBLIC_MODE, replaceStaged, stageAtomic, writeAtomic, type Staged } from '../store/file.js';

export interface OutputFile {
  path: string;
  data: string | Uint8Array;
  holdsKey: boolean;
  force: boolean;
}

export async function writeOutputFile(f: OutputFile): Promise<string> {
  const path = resolve(f.path);
  await writeAtomic({ path, mode: f.holdsKey ? KEY_MODE : PUBLIC_MODE, label: f.path }, f.data, { overwrite: f.force });
  return path;
}

/**
 * Replaces files together (a renewed certificate and its key): each is written whole under a
 * temporary name first, then all are renamed into place back to back, so the window in which one
 * is new and the other old is two renames long. A file that exists keeps its owner when root
 * replaces it (a service's certificate stays readable by the service).
 */
export async function replaceFiles(files: { path: string; data: string; holdsKey: boolean }[]): Promise<void> {
  const staged: Staged[] = [];
  try {
    for (const f of files) {
      const path = resolve(f.path);
      const owner = process.getuid?.() === 0 ? await stat(path).then((s) => ({ uid: s.uid, gid: s.gid })).catch(() => undefined) : undefined;
      staged.push(await stageAtomic({ path, mode: f.holdsKey ? KEY_MODE : PUBLIC_MODE, label: f.path }, f.data, owner));
    }
  } catch (err) {
    for (const s of staged) await unlink(s.temp).catch(() => undefined);
    throw err;
  }
  await replaceStaged(staged);
}
