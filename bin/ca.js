#!/usr/bin/env node
// The `ca` command: the bundled CLI built from src/ by `npm install` / `npm run build`
// (load-bundle.js). CommonJS (bin/package.json): an ES-module entry costs Node ~10 ms more to start.
const { loadBundle } = require('./load-bundle.js');

loadBundle()
  .cli.main()
  .catch((err) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
