'use strict';
// Loads the bundled CLI (dist/bundle/ca.cjs) with V8's code cache when one fits: compiling the
// bundle is a good part of every start-up (docs/performance.md, "Start-up"). The cache is made at
// build time (scripts/code-cache.js) and written beside the bundle, headed by the bundle's own
// build id (its first line, a SHA-256 of its content): V8 itself checks only the source's length,
// its version and its flags, so a cache is used only with the bundle it was made from. One made by
// another Node is rejected by V8 and the bundle compiles from source, as it does without a cache.
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const BUNDLE = join(__dirname, '../dist/bundle/ca.cjs');
const CACHE = `${BUNDLE}.cache`;

function loadBundle() {
  const source = readFileSync(BUNDLE, 'latin1');
  const id = Buffer.from(source.slice(0, source.indexOf('\n') + 1));
  let cachedData;
  try {
    const cache = readFileSync(CACHE);
    if (cache.subarray(0, id.length).equals(id)) cachedData = cache.subarray(id.length);
  } catch {
    // no cache: compiled from source
  }
  // The bundle has no import(): on Node 20 a script compiled from a code cache cannot run one.
  const script = new Script(Module.wrap(source), { filename: BUNDLE, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return {
    cli: module.exports,
    /** Writes the code cache of what has been compiled so far (scripts/code-cache.js). */
    saveCache() {
      writeFileSync(`${CACHE}.tmp`, Buffer.concat([id, script.createCachedData()]));
      renameSync(`${CACHE}.tmp`, CACHE);
    },
  };
}

module.exports = { loadBundle };
