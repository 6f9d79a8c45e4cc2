// The guides and the README are run, not just read: each one's `sh` blocks (but `sh no-run`) run in
// order, in an empty directory, without a terminal, after writing the files its `js file=NAME`
// blocks ask to save, with `ca` on PATH. One whose software is missing here is skipped, saying why.
// They run one after another (one file): the README and the serve guide both listen on port 6060.
// A guide runs under the common umask 022, and must leave every secret it writes (a key, a PKCS#12
// file, a password, passphrase or token file) readable by its owner alone: a reader copies the
// guide's commands, so a `> pass.txt` there is a world-readable secret on their machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CA_BIN, needs, tempDir } from '../helpers/ca.js';

const GUIDES = fileURLToPath(new URL('../../docs/guides/', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

const SECRET = /(\.key|\.p12|\.pfx|pass[^/]*|token[^/]*|secret[^/]*)$/i;

/** The files under dir, but the `ca` wrapper, whose names say they hold a secret and that others may read. */
function readableSecrets(dir, rel = '') {
  const found = [];
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = join(rel, entry.name);
    if (entry.isDirectory() && path !== '.bin') found.push(...readableSecrets(dir, path));
    else if (entry.isFile() && SECRET.test(entry.name) && (statSync(join(dir, path)).mode & 0o077) !== 0) found.push(path);
  }
  return found;
}

function runGuide(t, file, expect) {
  const dir = tempDir(t);
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'ca'), `#!/bin/sh\nexec "${process.execPath}" "${CA_BIN}" "$@"\n`);
  chmodSync(join(bin, 'ca'), 0o755);
  const text = readFileSync(file === README ? README : join(GUIDES, file), 'utf8');
  const blocks = [...text.matchAll(/```(\w+)([^\n]*)\n([\s\S]*?)```/g)];
  const script = ['umask 022', "set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT TERM"];
  for (const [, lang, info, body] of blocks) {
    const saveAs = /file=(\S+)/.exec(info)?.[1];
    if (saveAs) writeFileSync(join(dir, saveAs), body);
    else if (lang === 'sh' && !/\bno-run\b/.test(info)) script.push(body);
  }
  assert.ok(script.length > 3, `${file} has shell blocks`);
  const r = spawnSync('bash', ['-c', script.join('\n')], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 150_000,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: dir, CA_STORE: '', CA_PASSPHRASE: '' },
  });
  assert.equal(r.status, 0, `${file} failed (${r.signal ?? r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  for (const pattern of expect) assert.match(r.stdout, pattern, file);
  assert.deepEqual(readableSecrets(dir), [], `${file} leaves secrets that others may read`);
  return { ...r, dir };
}

// A server a guide starts on the reader's machine listens on the loopback address only: `openssl
// s_server -accept 8443` (or -port), `0.0.0.0`, a Node `listen(PORT)` without a host, all listen on
// every interface, and would serve the guide's test CA to the reader's network.
test('no guide starts a server on every interface', () => {
  const everyInterface = [/-accept\s+\d+\b(?![.:])/, /\s-port\s+\d/, /\b0\.0\.0\.0\b/, /\[::\]:/, /\.listen\(\s*\d+\s*\)/];
  for (const file of readdirSync(GUIDES).filter((f) => f.endsWith('.md'))) {
    const text = readFileSync(join(GUIDES, file), 'utf8');
    for (const [, lang, info, body] of text.matchAll(/```(\w+)([^\n]*)\n([\s\S]*?)```/g)) {
      const runs = (lang === 'sh' && !/\bno-run\b/.test(info)) || /file=/.test(info);
      if (!runs) continue;
      for (const pattern of everyInterface) assert.doesNotMatch(body, pattern, `${file}: a block that runs listens on every interface`);
    }
  }
});

test('docs/guides/curl.md runs as written', { skip: needs('curl', 'curl') || needs('openssl', 'openssl'), timeout: 180_000 }, (t) => {
  runGuide(t, 'curl.md', [/Ciphers supported/]);
});

test('docs/guides/rest-api.md runs as written', { skip: needs('curl', 'curl'), timeout: 180_000 }, (t) => {
  runGuide(t, 'rest-api.md', [/^\{"hello":"user-alice"\}$/m]);
});

test('docs/guides/etcd.md runs as written', { skip: needs('etcd', 'etcd-server') || needs('etcdctl', 'etcd-client') || needs('curl', 'curl'), timeout: 180_000 }, (t) => {
  runGuide(t, 'etcd.md', [/"etcdserver":"3\./, /^hello, cluster$/m]);
});

test('docs/guides/hierarchy.md runs as written', { skip: needs('openssl', 'openssl'), timeout: 180_000 }, (t) => {
  runGuide(t, 'hierarchy.md', [/^2$/m, /etcd1\.crt: OK/, /etcd1\.crt: valid/]);
});

test('docs/guides/serve.md runs as written', { skip: needs('curl', 'curl') || needs('openssl', 'openssl'), timeout: 180_000 }, (t) => {
  runGuide(t, 'serve.md', [/^\{"api":\["v1"\]/m, /client\.crt: OK/, /etcd2\.crt: OK/, /^renewed: serial=/m, /Certificate will not expire/, /^2$/m]);
});

test('docs/guides/macos-keychain.md runs as written: Java and NSS import the file, an NSS database is made when missing', {
  skip: needs('openssl', 'openssl') || needs('keytool', 'default-jre-headless') || needs('pk12util', 'libnss3-tools') || needs('certutil', 'libnss3-tools'),
  timeout: 180_000,
}, (t) => {
  // HOME is the empty temporary directory: there is no ~/.pki/nssdb until the guide makes one.
  runGuide(t, 'macos-keychain.md', [
    /^Alias name: alice$/m,
    /^Certificate chain length: 2$/m,
    /PKCS12 IMPORT SUCCESSFUL/,
    /^alice\s+u,u,u\s*$/m,
  ]);
});

test('README.md runs as written', { skip: needs('curl', 'curl') || needs('openssl', 'openssl'), timeout: 180_000 }, (t) => {
  const r = runGuide(t, README, [/^alice\.crt$/m, /etcd1\.crt: valid/, /^ca\.pem$/m, /^cert\.pem$/m, /^key\.pem$/m]);
  // What it teaches is what a user should do: no secret on argv, no server certificate without a
  // SAN (and, as for every guide, no secret that others may read).
  assert.doesNotMatch(r.stderr, /visible in ps|names no IP or DNS name/i);
});
