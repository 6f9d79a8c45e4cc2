#!/usr/bin/env node
// The `ca` command: the bundled CLI built from src/ by `npm install` / `npm run build`.
import { main } from '../dist/bundle/main.js';

main().catch((err) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
