#!/usr/bin/env node
// The `ca` command. Everything lives in dist/ (built from src/ by `npm install` / `npm run build`).
import { main } from '../dist/cli/main.js';

main().catch((err) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
