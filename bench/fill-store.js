// A store of COUNT certificates as a cluster's CA holds one after months: NAMES nodes, each
// renewing a 1-day certificate every day (test/helpers/aged-store.js: the use cases themselves,
// through the store's own commit path, with the clock of each day), so all but each node's last
// certificate expired and went to the archive at compaction.
//
//   node bench/fill-store.js DIR COUNT [NAMES]     # makes DIR/.ca
//
// `npm run bench` keeps the store it fills under ~/.cache/clusterca-bench (filledStore below) and
// reuses it: a million certificates take a while to issue.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { agedStore } from '../test/helpers/aged-store.js';
import { INDEX_VERSION } from '../dist/store/index-file.js';

/** Fills DIR (made here) with COUNT certificates over NAMES nodes; prints progress to stderr. */
export async function fillStore(dir, count, names = 5000) {
  const rounds = Math.max(1, Math.round(count / names));
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const every = Math.max(1, Math.floor(rounds / 20));
  await agedStore(dir, {
    names,
    rounds,
    concurrency: 64,
    onRound: (r) => {
      if ((r + 1) % every === 0) process.stderr.write(`  filled ${((r + 1) * names).toLocaleString('en')} of ${(rounds * names).toLocaleString('en')} certificates (${Math.round((Date.now() - started) / 1000)} s)\n`);
    },
  });
}

/**
 * The directory of a filled store of COUNT certificates, filled once and kept (the key names the
 * index format, so a store of an older format is filled again).
 */
export async function filledStore(count, names = 5000) {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'clusterca-bench');
  const dir = join(cache, `store-${count}-n${names}-format${INDEX_VERSION}`);
  if (existsSync(dir)) return dir;
  const building = `${dir}.build`;
  rmSync(building, { recursive: true, force: true });
  await fillStore(building, count, names);
  renameSync(building, dir);
  return dir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [dir, count, names] = process.argv.slice(2);
  if (!dir || !count) {
    process.stderr.write('usage: node bench/fill-store.js DIR COUNT [NAMES]\n');
    process.exit(2);
  }
  await fillStore(resolve(dir), Number(count), names ? Number(names) : undefined);
}
