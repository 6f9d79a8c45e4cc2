// SIGKILL at random moments during init, sign, export --out and a one-step issuance: no partial
// key or certificate, a valid index, no lock held forever, and a store the next command uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CA_BIN, caOk, storeIndex, tempDir } from '../helpers/ca.js';
import { readTar } from '../helpers/tar.js';

async function killAtRandom(cwd, args, maxDelayMs) {
  const child = spawn(process.execPath, [CA_BIN, ...args], { cwd, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await sleep(Math.floor(Math.random() * maxDelayMs));
  const midway = child.exitCode === null;
  child.kill('SIGKILL');
  await exited;
  return midway;
}

const files = (dir) => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.endsWith('.tmp') && statSync(join(dir, n)).isFile()) : []);
const publicOf = (pem) => createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('hex');

/**
 * Every file the store holds is whole; every index entry's certificate is kept under issued/ and
 * every pending request's key under keys/pending/. Once a change has run after the kill (`settle`),
 * certs/NAME.crt is each name's current certificate and keys/NAME.key its key.
 */
function assertConsistent(dir) {
  const store = join(dir, '.ca');
  assertWhole(store);
  caOk(dir, ['new-cert', '--force', 'settle']);
  const index = assertWhole(store);
  const current = new Map(index.certificates.filter((e) => e.name !== 'ca').map((e) => [e.name, e]));
  for (const e of current.values()) {
    const cert = readFileSync(join(store, 'certs', `${e.name}.crt`), 'utf8');
    assert.equal(new X509Certificate(cert).serialNumber.toLowerCase(), e.serial, `certs/${e.name}.crt is the current one`);
    if (e.hasKey) assert.equal(publicOf(readFileSync(join(store, 'keys', `${e.name}.key`))), publicOf(cert), `keys/${e.name}.key matches`);
  }
  return index;
}

function assertWhole(store) {
  const index = storeIndex(store);
  new X509Certificate(readFileSync(join(store, 'ca.crt')));
  createPrivateKey(readFileSync(join(store, 'ca.key')));
  for (const e of index.certificates) {
    assert.equal(new X509Certificate(readFileSync(join(store, 'issued', `${e.serial}.crt`))).serialNumber.toLowerCase(), e.serial);
  }
  for (const r of index.requests) createPrivateKey(readFileSync(join(store, 'keys/pending', `${r.id}.key`)));
  for (const sub of ['certs', 'issued']) for (const f of files(join(store, sub))) new X509Certificate(readFileSync(join(store, sub, f)));
  for (const sub of ['keys', 'keys/pending']) for (const f of files(join(store, sub))) createPrivateKey(readFileSync(join(store, sub, f)));
  // A temporary file left by the kill is removed by the next command; until then one that holds a
  // key is already 0600.
  for (const sub of ['.', 'keys', 'keys/pending']) {
    for (const f of readdirSync(join(store, sub)).filter((n) => n.endsWith('.tmp') && n.includes('.key.'))) {
      assert.equal(statSync(join(store, sub, f)).mode & 0o777, 0o600, f);
    }
  }
  return index;
}

test('SIGKILL during init: no store or a whole one; the next init works and clears what was left', async (t) => {
  const root = tempDir(t);
  let midway = 0;
  for (let round = 0; round < 6; round++) {
    const dir = join(root, `r${round}`);
    mkdirSync(dir);
    if (await killAtRandom(dir, ['init', '--key-bits', '2048'], 400)) midway++;
    if (existsSync(join(dir, '.ca'))) assertConsistent(dir);
    else caOk(dir, ['init', '--key-bits', '2048']);
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.ca.init-')), [], 'no half-built store left behind');
    caOk(dir, ['create-api-certificate', 'alice']);
  }
  assert.ok(midway >= 2, `killed mid-way ${midway} times`);
});

test('SIGKILL during sign: the request stays pending or the certificate is recorded, never half', async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  for (let i = 0; i < 6; i++) caOk(dir, ['new-cert', '--ip', `10.0.0.${i + 1}`, `n${i}`]);
  for (let i = 0; i < 6; i++) {
    await killAtRandom(dir, ['sign', `n${i}`], 350);
    const index = assertConsistent(dir);
    const signed = index.certificates.some((e) => e.name === `n${i}`);
    const pending = index.requests.some((r) => r.name === `n${i}`);
    assert.ok(signed !== pending, `n${i} is either signed or pending`);
    if (pending) caOk(dir, ['sign', `n${i}`]);
  }
  assert.equal(assertConsistent(dir).certificates.length, 7);
});

test('SIGKILL during export --out: the file is absent or whole; leftovers are hidden 0600 temporaries', async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  caOk(dir, ['create-api-certificate', 'alice']);
  for (let i = 0; i < 8; i++) {
    const out = `alice-${i}.tar`;
    await killAtRandom(dir, ['export', '--out', out, 'alice'], 300);
    if (existsSync(join(dir, out))) {
      const entries = await readTar(readFileSync(join(dir, out)));
      assert.deepEqual(entries.map((e) => e.name), ['alice.crt', 'alice.key', 'ca.crt']);
      assert.equal(statSync(join(dir, out)).mode & 0o777, 0o600);
    }
  }
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.tmp'))) {
    assert.ok(f.startsWith('.'), f);
    assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, `${f} holds a key and is 0600`);
  }
});

test('SIGKILL during one-step issuance: whole files only; the lock is taken over by the next command', async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  for (let i = 0; i < 6; i++) {
    await killAtRandom(dir, ['create-api-certificate', `user${i}`], 400);
    assertConsistent(dir);
    for (const f of readdirSync(dir).filter((n) => n.startsWith(`user${i}.`))) {
      if (f.endsWith('.crt')) new X509Certificate(readFileSync(join(dir, f)));
      else createPrivateKey(readFileSync(join(dir, f)));
    }
  }
  const started = Date.now();
  caOk(dir, ['create-api-certificate', 'after']);
  assert.ok(Date.now() - started < 20_000);
  assert.equal(existsSync(join(dir, '.ca/lock')), false);
});
