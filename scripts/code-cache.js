// Makes dist/bundle/ca.cjs.cache, the V8 code cache that bin/load-bundle.js compiles the bundle
// from. V8 caches the functions compiled when the cache is taken, so the CLI first runs what every
// command runs (the parser, the help of a few commands) with its output set aside. Made by the
// Node that builds; another Node's V8 rejects it and compiles from source.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';

// A cache from an earlier build of the same bundle would be taken up and carried into this one
// with everything it had compiled: the cache is made from a bundle compiled from source.
rmSync(new URL('../dist/bundle/ca.cjs.cache', import.meta.url), { force: true });
const { loadBundle } = createRequire(import.meta.url)('../bin/load-bundle.js');
const bundle = loadBundle();
const write = process.stdout.write;
process.stdout.write = () => true;
try {
  for (const argv of [['--help'], ['list', '--help'], ['create-api-certificate', '--help']]) await bundle.cli.main(argv);
} finally {
  process.stdout.write = write;
}
bundle.saveCache();
