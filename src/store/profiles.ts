/**
 * Finding a profile by name: the store's profiles/NAME.json first (a store may add or override),
 * then the built-in templates/NAME.json shipped with clusterca.
 */
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { usageError } from '../error.js';
import { parseProfile, type Profile } from '../pki/profile.js';

const TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));
const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

export async function loadProfile(name: string, storeDir?: string): Promise<Profile> {
  if (!PROFILE_NAME.test(name)) throw unknownProfile(name, await profileNames(storeDir));
  for (const dir of [storeDir && join(storeDir, 'profiles'), TEMPLATES]) {
    if (!dir) continue;
    const path = join(dir, `${name}.json`);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      data = (err as Error).message;
    }
    return parseProfile(name, data, path);
  }
  throw unknownProfile(name, await profileNames(storeDir));
}

export async function profileNames(storeDir?: string): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of [TEMPLATES, storeDir && join(storeDir, 'profiles')]) {
    if (!dir) continue;
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      if (f.endsWith('.json')) names.add(f.slice(0, -5));
    }
  }
  return [...names].sort();
}

function unknownProfile(name: string, known: string[]) {
  const issuing = known.filter((n) => n !== 'ca' && n !== 'intermediate');
  return usageError(`unknown profile ${JSON.stringify(name)}`, `use one of: ${issuing.join(', ')}`);
}
