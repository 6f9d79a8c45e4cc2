/**
 * Files written outside the store (`--out`): the same atomic write and modes as inside it, and no
 * silent overwrite. A file that holds a key is 0600.
 */
import { resolve } from 'node:path';
import { KEY_MODE, PUBLIC_MODE, writeAtomic } from '../store/file.js';

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
