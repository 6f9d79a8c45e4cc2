// `ca doctor` (issue 21, point 8): the store's health as a user or a cron job reads it; each line
// ok/warn/fail with its fix, exit 1 on a fail, never a change to the store, never a passphrase.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CA_BIN, ca, caOk, needs, run, tempDir, treeDigest } from '../helpers/ca.js';

/** The lines of `ca doctor` as [state, name, rest]. */
function lines(out) {
  return out
    .trim()
    .split('\n')
    .map((l) => /^(ok|warn|fail) +([a-z ]+): (.*)$/.exec(l))
    .map((m) => (assert.ok(m, out), [m[1], m[2], m[3]]));
}

function doctor(dir, args = [], opts) {
  const r = ca(dir, ['doctor', ...args], opts);
  return { ...r, lines: lines(r.out) };
}

/** `ca ARGS` under faketime, as if run `offset` from now. */
function later(dir, offset, args) {
  return run('faketime', [offset, process.execPath, CA_BIN, ...args], { cwd: dir, env: { ...process.env, CA_STORE: '', CA_PASSPHRASE: '' } });
}

test('a healthy store: every line ok, exit 0; --json gives checks and ok', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', 'Doctor CA']);
  caOk(dir, ['create-node-certificate', '--name', 'etcd1', '--ip', '10.0.0.1']);
  const r = doctor(dir);
  assert.equal(r.status, 0, r.out);
  assert.deepEqual([...new Set(r.lines.map(([state]) => state))], ['ok'], r.out);
  for (const name of ['store', 'permissions', 'index', 'ca certificate', 'crl', 'keys', 'certificates']) {
    assert.ok(r.lines.some(([, n]) => n === name), `${name} is checked:\n${r.out}`);
  }
  const json = JSON.parse(caOk(dir, ['doctor', '--json']).out);
  assert.equal(json.ok, true);
  assert.ok(json.checks.length >= 7);
  for (const c of json.checks) assert.deepEqual(Object.keys(c), ['name', 'state', 'message', 'fix']);
});

test('a store others can write to: the commands refuse it, doctor says fail with the chmod, exit 1, store unchanged', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', 'Doctor CA']);
  const store = join(dir, '.ca');
  chmodSync(store, 0o770);
  assert.equal(ca(dir, ['list']).status, 1);
  const before = treeDigest(store);
  const r = doctor(dir);
  assert.equal(r.status, 1, r.stderr);
  const fail = r.lines.find(([state, name]) => state === 'fail' && name === 'permissions');
  assert.ok(fail, r.out);
  assert.match(fail[2], new RegExp(`the store ${store} is writable by others \\(mode 0770\\) — fix: chmod 700 ${store}$`));
  // It went on to check the rest.
  assert.ok(r.lines.some(([state, name]) => state === 'ok' && name === 'ca certificate'), r.out);
  assert.equal(JSON.parse(ca(dir, ['doctor', '--json']).out).ok, false);
  assert.equal(treeDigest(store), before);
});

test('an encrypted CA with a leaf key stored unencrypted: warn naming it, without asking for the passphrase', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'ca.pass'), 'a long CA passphrase\n');
  writeFileSync(join(dir, 'leaf.pass'), 'a long leaf passphrase\n');
  caOk(dir, ['init', '--key-type', 'ecdsa', '--passphrase-file', 'ca.pass', 'Doctor CA']);
  const env = { env: { CA_PASSPHRASE: 'a long CA passphrase' } };
  caOk(dir, ['create-node-certificate', '--name', 'plain', '--ip', '10.0.0.1'], env);
  caOk(dir, ['create-node-certificate', '--name', 'sealed', '--ip', '10.0.0.2', '--passphrase-file', 'leaf.pass'], env);
  const r = doctor(dir);
  assert.equal(r.status, 0, r.out);
  const warn = r.lines.find(([state, name]) => state === 'warn' && name === 'keys');
  assert.ok(warn, r.out);
  assert.match(warn[2], /the CA key is encrypted but 1 key is stored unencrypted: keys\/plain\.key — fix: ca renew --new-key --passphrase-file FILE plain/);
  assert.doesNotMatch(warn[2], /sealed/);
  assert.doesNotMatch(r.stderr, /assphrase/);
});

test('a damaged index: fail with what to restore, exit 1, nothing changed', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', 'Doctor CA']);
  const store = join(dir, '.ca');
  writeFileSync(join(store, 'index.json'), '{"version": 2, "certificates": [');
  const before = treeDigest(store);
  const r = doctor(dir);
  assert.equal(r.status, 1);
  const fail = r.lines.find(([state, name]) => state === 'fail' && name === 'index');
  assert.ok(fail, r.out);
  assert.match(fail[2], /index\.json is damaged: .* — fix: restore it from a backup/);
  assert.equal(treeDigest(store), before);
});

test('no store: one fail line saying to run ca init, exit 1', (t) => {
  const dir = tempDir(t);
  const r = doctor(dir);
  assert.equal(r.status, 1);
  assert.deepEqual(r.lines.map(([s, n]) => `${s} ${n}`), ['fail store']);
  assert.match(r.out, /no CA store in .* — fix: run `ca init` first/);
});

test('expiring certificates warn with ca renew NAME (--within)', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', 'Doctor CA']);
  caOk(dir, ['create-api-certificate', 'alice']);
  const r = doctor(dir, ['--within', '1000']);
  assert.equal(r.status, 0);
  const warn = r.lines.find(([state, name]) => state === 'warn' && name === 'certificates');
  assert.ok(warn, r.out);
  assert.match(warn[2], /^alice expires in \d+ days .* — fix: ca renew alice$/);
  // A store named with --store: each fix names it, so that it acts on that store.
  caOk(dir, ['init', '--key-type', 'ecdsa', '--store', 'prod', 'Prod CA']);
  caOk(dir, ['create-api-certificate', '--store', 'prod', 'carol']);
  const prod = doctor(dir, ['--store', 'prod', '--within', '1000']).lines.find(([, name]) => name === 'certificates');
  assert.match(prod[2], /^carol expires .* — fix: ca renew --store prod carol$/);
  assert.match(doctor(dir, ['--store', 'nowhere']).out, /fix: run `ca init --store nowhere` first/);
});

test('time passing: an expired certificate warns, a CRL past its next update and an expired CA fail', { skip: needs('faketime', 'faketime') }, (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', '--days', '400', 'Doctor CA']);
  caOk(dir, ['create-api-certificate', '--days', '10', 'alice']);
  caOk(dir, ['create-api-certificate', 'bob']);
  caOk(dir, ['revoke', 'bob']);
  const month = lines(later(dir, '+40 days', ['doctor']).stdout);
  assert.ok(month.some(([s, n, m]) => s === 'warn' && n === 'certificates' && /^alice expired on .* — fix: ca renew alice$/.test(m)), month.join('\n'));
  assert.ok(month.some(([s, n, m]) => s === 'fail' && n === 'crl' && /next update was due .* — fix: ca crl/.test(m)), month.join('\n'));
  const years = later(dir, '+500 days', ['doctor']);
  assert.equal(years.status, 1);
  assert.ok(lines(years.stdout).some(([s, n, m]) => s === 'fail' && n === 'ca certificate' && /expired on .* — fix: ca renew ca$/.test(m)), years.stdout);
});
