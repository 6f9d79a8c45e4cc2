// Bundles the CLI into one CommonJS file, dist/bundle/ca.cjs, with esbuild, after tsc has built
// dist/; then scripts/code-cache.js makes its V8 code cache. One file instead of ~60 modules, and
// CommonJS rather than ES-module chunks: Node resolves and links nothing at start-up, and a
// CommonJS script can be compiled from a code cache, which Node 20 offers ES modules no way to
// do (docs/performance.md, "Start-up"). Lazily loaded parts stay lazy: esbuild turns each import()
// into the module's own initialiser, run when first called. The bundle sits two directories below
// the package root, as dist/cli/ does, so templates/ and package.json resolve the same way.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });

/**
 * The bundle runs no import(): on Node 20 a script compiled from a V8 code cache cannot
 * (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING, even with importModuleDynamically given). esbuild
 * turns an import() of our own modules into their initialiser; this plugin turns the others into
 * a require() that stays just as lazy: Node's modules by name, and the prompts (@inquirer/prompts,
 * 775 KB that most runs never load) from their own bundle beside this one.
 */
const PROMPTS = './prompts.cjs';
const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    b.onResolve({ filter: /^(node:|@inquirer\/prompts$)/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      return { path: args.path.startsWith('node:') ? args.path : PROMPTS, namespace: 'lazy-require' };
    });
    b.onResolve({ filter: /.*/, namespace: 'lazy-require' }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/**
 * yargs asks `assert` for two checks (strictEqual, notStrictEqual), and fails one of them on every
 * run while it looks for a package.json above the working directory. Node's `assert` costs ~7 ms
 * to load (its AssertionError, colours, call tracker), for two comparisons: yargs gets these.
 */
const yargsAssert = {
  name: 'yargs-assert',
  setup(b) {
    b.onResolve({ filter: /^assert$/ }, (args) =>
      args.importer.includes('/node_modules/yargs/') ? { path: 'assert', namespace: 'yargs-assert' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'yargs-assert' }, () => ({
      contents: `
        const check = (ok, message) => { if (!ok) throw new Error(message || 'yargs: assertion failed'); };
        export const strictEqual = (actual, expected, message) => check(Object.is(actual, expected), message);
        export const notStrictEqual = (actual, expected, message) => check(!Object.is(actual, expected), message);`,
      loader: 'js',
    }));
  },
};

const common = { bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning' };
await build({ ...common, entryPoints: ['@inquirer/prompts'], outfile: `dist/bundle/${PROMPTS}` });

const result = await build({
  ...common,
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/bundle/ca.cjs',
  write: false,
  plugins: [lazyRequires, yargsAssert],
  // esbuild would give yargs cliui's ESM entry, which wraps help text a character at a time
  // ("etc" / "d1"); its CommonJS entry wraps at word boundaries (wrap-ansi). Same cliui, same API.
  alias: { cliui: './node_modules/cliui/build/index.cjs' },
  // src/ is ES modules: where it finds package.json and templates/ by import.meta.url, the
  // bundle finds them from its own file.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
const code = result.outputFiles[0].text;

// The early key (src/cli/early-key.ts), which bin/ca.js starts before it loads the bundle above.
await build({ ...common, entryPoints: ['dist/cli/early-key.js'], outfile: 'dist/bundle/early.cjs' });

// The first line names this build: the code cache is used only with the bundle it was made from.
const id = createHash('sha256').update(code).digest('hex');
mkdirSync('dist/bundle', { recursive: true });
writeFileSync('dist/bundle/ca.cjs', `// clusterca bundle ${id}\n${code}`);
