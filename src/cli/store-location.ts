/**
 * Where the store is. Read by the context of every command, and by the early key (early-key.ts)
 * before yargs has parsed anything.
 */
import { statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export const DEFAULT_STORE = '.ca';

/**
 * SPEC "Ecosystem": the store is found as git finds its repository, `./.ca` or the nearest `.ca` in
 * a parent directory, without crossing into another file system (git's default too); `--store` and
 * CA_STORE (`given`) win. `above`: found in a parent directory, which the CLI says on stderr.
 */
export function locateStore(given: string | undefined, search: boolean): { dir: string; above: boolean } {
  if (given !== undefined || !search) return { dir: given ?? DEFAULT_STORE, above: false };
  const cwd = process.cwd();
  const device = statSync(cwd).dev;
  for (let dir = cwd; ; dir = dirname(dir)) {
    const candidate = join(dir, DEFAULT_STORE);
    if (statSync(candidate, { throwIfNoEntry: false })?.isDirectory()) {
      return dir === cwd ? { dir: DEFAULT_STORE, above: false } : { dir: relative(cwd, candidate), above: true };
    }
    const parent = dirname(dir);
    if (parent === dir || statSync(parent).dev !== device) return { dir: DEFAULT_STORE, above: false };
  }
}

/** An empty CA_STORE (`CA_STORE= ca …`) means unset, not the working directory. */
export function givenStore(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return flag ?? (env.CA_STORE || undefined);
}
