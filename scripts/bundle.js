// Bundles the CLI into dist/bundle/ with esbuild, after tsc has built dist/. One file per lazily
// loaded part (code splitting) instead of ~60 modules: Node resolves and loads far fewer files at
// start-up (`ca --help` ~20 ms faster; docs/performance.md). The bundle sits two directories
// below the package root, as dist/cli/ does, so templates/ and package.json resolve the same way.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunks are named by content: a new build leaves the old ones behind unless the directory goes first.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: ['dist/cli/main.js'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // yargs' ESM build gets cliui's ESM entry, which wraps help text a character at a time
  // ("etc" / "d1"); its CommonJS entry wraps at word boundaries (wrap-ansi). Same cliui, same API.
  alias: { cliui: './node_modules/cliui/build/index.cjs' },
  // node-forge is CommonJS and calls require() for Node's own modules; ESM has no require.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
