#!/usr/bin/env node
// The `ca` command: the bundled CLI built from src/ by `npm install` / `npm run build`
// (load-bundle.js). CommonJS (bin/package.json): an ES-module entry costs Node ~10 ms more to start.
const { loadBundle } = require('./load-bundle.js');

const argv = process.argv.slice(2);
// The key first, from a bundle of a few KB (src/cli/early-key.ts): OpenSSL makes it on the thread
// pool while the CLI is read and compiled.
const early = require('../dist/bundle/early.cjs').startEarlyKey(argv, process.env);

loadBundle()
  .cli.main(argv, early)
  .catch((err) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
