#!/usr/bin/env node
// The `ca` command: the bundled CLI built from src/ by `npm install` / `npm run build`.
import { main } from '../dist/bundle/main.js';

main().then(
  // Exit as soon as the command is done: a second key generation started to race the first
  // (src/pki/key.ts) may still be running in the thread pool, and its result is not needed.
  // Every output has been written by then (stdout and stderr are synchronous on Linux; streams
  // are awaited).
  () => process.exit(),
  (err) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
