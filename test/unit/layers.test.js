// The architecture's one-way layers (STYLE.md), held by a test rather than by memory:
// cli → ca → {pki, store, export, truststore}; cli → ui; cli → server → ca (the second front door);
// pki imports no other layer; nothing imports cli, and only cli imports server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const ALLOWED = {
  cli: ['cli', 'ca', 'pki', 'ui', 'server', 'error.ts'],
  server: ['server', 'ca', 'pki', 'error.ts'],
  ca: ['ca', 'pki', 'store', 'export', 'truststore', 'error.ts'],
  truststore: ['truststore', 'error.ts'],
  store: ['store', 'pki', 'error.ts'],
  export: ['export', 'pki', 'error.ts'],
  pki: ['pki', 'error.ts'],
  ui: ['ui', 'error.ts'],
};
// Each library lives in one layer.
const LIBRARIES = { 'node-forge': ['pki', 'export'], 'tldts-icann': ['pki'], yargs: ['cli'], 'tar-stream': ['export'], '@inquirer/prompts': ['ui'], chalk: ['ui'] };

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('imports point one way between layers, and each library stays in its layer', () => {
  const problems = [];
  for (const file of files(SRC)) {
    const layer = relative(SRC, file).split('/')[0];
    if (!(layer in ALLOWED)) continue;
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
      if (spec.startsWith('.')) {
        const target = relative(SRC, join(dirname(file), spec)).replace(/\.js$/, '.ts').split('/')[0];
        if (!ALLOWED[layer].includes(target)) problems.push(`${relative(SRC, file)} imports ${spec}`);
      } else {
        const lib = Object.keys(LIBRARIES).find((l) => spec === l || spec.startsWith(`${l}/`));
        if (lib && !LIBRARIES[lib].includes(layer)) problems.push(`${relative(SRC, file)} uses ${lib}`);
        if (spec.startsWith('node:fs') && ['pki', 'export', 'ui'].includes(layer)) problems.push(`${relative(SRC, file)} uses ${spec}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
