// The guides and the README are run, not just read: each one's `sh` blocks (but `sh no-run`) run in
// order, in an empty directory, without a terminal, after writing the files its `js file=NAME`
// blocks ask to save, with `ca` on PATH. One whose software is missing here is skipped, saying why.
// They run one after another (one file): the README and the serve guide both listen on port 6060.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CA_BIN, needs, tempDir } from '../helpers/ca.js';

const GUIDES = fileURLToPath(new URL('../../docs/guides/', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

function runGuide(t, file, expect) {
  const dir = tempDir(t);
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'ca'), `#!/bin/sh\nexec "${process.execPath}" "${CA_BIN}" "$@"\n`);
  chmodSync(join(bin, 'ca'), 0o755);
  const text = readFileSync(file === README ? README : join(GUIDES, file), 'utf8');
  const blocks = [...text.matchAll(/```(\w+)([^\n]*)\n([\s\S]*?)```/g)];
  const script = ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT TERM"];
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
}

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
  runGuide(t, README, [/^alice\.crt$/m, /etcd1\.crt: valid/, /^ca\.pem$/m, /^cert\.pem$/m, /^key\.pem$/m]);
});
