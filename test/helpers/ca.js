// Helpers for tests that run the real `bin/ca` in a temporary directory.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CA_BIN = fileURLToPath(new URL('../../bin/ca.js', import.meta.url));

/** A fresh directory, removed when the test (or suite) ends. */
export function tempDir(t, prefix = 'clusterca-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The environment a script would have: no TTY, no CA_* variables leaking in from the caller. */
function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('CA_') || k === 'NO_COLOR') delete env[k];
  return { ...env, ...extra };
}

/** Runs `ca ARGS` in `cwd` with stdin closed; returns { status, stdout (Buffer), stderr (string) }. */
export function ca(cwd, args, { env = {}, input } = {}) {
  const r = spawnSync(process.execPath, [CA_BIN, ...args], {
    cwd,
    env: cleanEnv(env),
    input: input ?? '',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, out: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Like ca() but asynchronous, for running several at once. */
export function caAsync(cwd, args, { env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CA_BIN, ...args], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let stderr = '';
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, out: Buffer.concat(out).toString(), stderr }));
  });
}

/** Runs `ca` and fails the test with its stderr when it does not exit 0. */
export function caOk(cwd, args, opts) {
  const r = ca(cwd, args, opts);
  if (r.status !== 0) throw new Error(`ca ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** Runs another program; returns { status, stdout, stderr } as strings. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** Whether a program is on PATH. */
export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Skip message for a missing tool; .ci/run installs them all. */
export function needs(cmd, pkg) {
  return have(cmd) ? false : `${cmd} is not installed (Debian package ${pkg}; .ci/run installs it)`;
}

export function mode(path) {
  return statSync(path).mode & 0o777;
}

/** A checksum of every file (path, mode, bytes) under a directory: to prove a store unchanged. */
export function treeDigest(dir) {
  const h = createHash('sha256');
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      h.update(`${p.slice(dir.length)}\0${st.mode}\0`);
      if (st.isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

const STORE_MODULE = new URL('../../dist/store/store.js', import.meta.url).href;

/**
 * The index of the store at `storeDir` as clusterca reads it: the snapshot (index.json) and the
 * journal after it (journal.jsonl), through the store's own reader.
 */
export function storeIndex(storeDir) {
  const code = `import { Store } from ${JSON.stringify(STORE_MODULE)}; const s = await Store.open(process.argv[1]); process.stdout.write(JSON.stringify(await s.readIndex()));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code, storeDir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`reading the index of ${storeDir}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Everything a store holds about its certificates, as text: to look for what must not be there. */
export function storeText(storeDir) {
  const archive = existsSync(join(storeDir, 'archive')) ? readdirSync(join(storeDir, 'archive')).map((f) => `archive/${f}`) : [];
  return ['index.json', 'journal.jsonl', ...archive].map((f) => (existsSync(join(storeDir, f)) ? readFileSync(join(storeDir, f), 'utf8') : '')).join('\n');
}

/**
 * Folds a store's journal into index.json, as clusterca's compaction does, so that a test can edit
 * the whole index in one file.
 */
export function foldJournal(storeDir) {
  const index = storeIndex(storeDir);
  writeFileSync(join(storeDir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  rmSync(join(storeDir, 'journal.jsonl'), { force: true });
}
