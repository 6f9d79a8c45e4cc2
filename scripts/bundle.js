// Bundles the CLI into dist/bundle/ with esbuild, after tsc has built dist/. One file per lazily
// loaded part (code splitting) instead of ~60 modules: Node resolves and loads far fewer files at
// start-up (`ca --help` ~20 ms faster; docs/performance.md). The bundle sits two directories
// below the package root, as dist/cli/ does, so templates/ and package.json resolve the same way.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // node-forge is CommonJS and calls require() for Node's own modules; ESM has no require.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
