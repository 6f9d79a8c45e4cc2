// `ca serve` under load and under stress (SPEC "Limits", "Scale"): 200 signings from 16 clients at
// once, every one recorded and verifiable; kill -9 in the middle of a load loses nothing any client
// received; SIGTERM lets the requests under way finish and exits 0; too many requests get 429 and
// a slow client is cut off. Every run is bounded in count and time, on loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import tls from 'node:tls';
import { caOk, needs, run, storeIndex, tempDir } from '../helpers/ca.js';
import { craftRequest, pemRequest } from '../helpers/csr.js';
import { https, startServe } from '../helpers/serve.js';

const CSR = pemRequest(craftRequest({ key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, algorithm: 'ec256' }));

function setup(t) {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', 'load-ca']);
  caOk(dir, ['create-api-certificate', '--admin', 'ops']);
  caOk(dir, ['export', '--out', 'ca.tar']);
  run('tar', ['xf', 'ca.tar'], { cwd: dir });
  return dir;
}

const admin = (dir) => ({ ca: join(dir, 'ca.crt'), cert: join(dir, 'ops.crt'), key: join(dir, 'ops.key') });
const sign = (server, dir, name) =>
  https(`${server.url}/v1/sign`, { ...admin(dir), method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ csr: CSR, name }) });

/** `total` signings by `width` clients at once; stops early when `stopAfter` says so. */
async function load(server, dir, total, width, prefix, stopAfter = () => false) {
  const received = [];
  const failed = [];
  let next = 0;
  const worker = async () => {
    while (next < total && !stopAfter(received.length)) {
      const i = next++;
      try {
        const r = await sign(server, dir, `${prefix}-${i}`);
        if (r.status === 200) received.push(r.json());
        else failed.push(r.status);
      } catch (err) {
        failed.push(err.code ?? err.message);
      }
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return { received, failed };
}

test('200 signings from 16 clients at once: 200 certificates, 200 serials, all recorded, all verified by OpenSSL', { timeout: 120_000 }, async (t) => {
  const dir = setup(t);
  const server = await startServe(dir);
  t.after(() => server.stop());
  const { received, failed } = await load(server, dir, 200, 16, 'load');
  assert.deepEqual(failed, []);
  assert.equal(received.length, 200);
  const serials = new Set(received.map((r) => r.serial));
  assert.equal(serials.size, 200);
  const index = storeIndex(join(dir, '.ca'));
  const recorded = new Set(index.certificates.map((e) => e.serial));
  for (const s of serials) assert.ok(recorded.has(s), `${s} is in the index`);
  if (!needs('openssl', 'openssl')) {
    const files = received.map((r, i) => {
      const file = join(dir, `load-${i}.pem`);
      writeFileSync(file, r.certificate);
      return file;
    });
    const v = run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), ...files]);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout.trim().split('\n').filter((l) => l.endsWith(': OK')).length, 200);
  }
});

test('kill -9 in the middle of a load: every certificate a client received is in the index, and the store works on', { timeout: 120_000 }, async (t) => {
  const dir = setup(t);
  const server = await startServe(dir);
  let killed = false;
  const { received } = await load(server, dir, 600, 16, 'crash', (n) => {
    if (n >= 60 && !killed) {
      killed = true;
      server.child.kill('SIGKILL');
    }
    return false;
  });
  await server.exited;
  assert.ok(killed && received.length >= 60, `${received.length} received before the kill`);
  const index = storeIndex(join(dir, '.ca')); // readable after the kill: a cut-short journal line is not read
  const recorded = new Map(index.certificates.map((e) => [e.serial, e]));
  for (const r of received) {
    assert.ok(recorded.has(r.serial), `${r.serial} (${r.name}) was answered and is recorded`);
    assert.equal(recorded.get(r.serial).fingerprint, new X509Certificate(r.certificate).fingerprint256);
  }
  for (const e of index.certificates) new X509Certificate(readFileSync(join(dir, '.ca/issued', `${e.serial}.crt`)));
  const again = await startServe(dir);
  t.after(() => again.stop());
  assert.equal((await sign(again, dir, 'after-crash')).status, 200);
  caOk(dir, ['list']);
});

test('SIGTERM: no new connections, the request under way is answered, exit status 0', { timeout: 60_000 }, async (t) => {
  const dir = setup(t);
  const server = await startServe(dir);
  const body = JSON.stringify({ csr: CSR, name: 'in-flight' });
  const answer = new Promise((resolve, reject) => {
    const a = admin(dir);
    const req = request(`${server.url}/v1/sign`, { method: 'POST', ca: readFileSync(a.ca), cert: readFileSync(a.cert), key: readFileSync(a.key), headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    // Half the body now; the rest after the server was told to stop.
    req.write(body.slice(0, 100));
    setTimeout(() => {
      server.child.kill('SIGTERM');
      setTimeout(() => req.end(body.slice(100)), 300);
    }, 300);
  });
  const r = await answer;
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /BEGIN CERTIFICATE/);
  const exit = await server.exited;
  assert.deepEqual([exit.code, exit.signal], [0, null]);
  await assert.rejects(https(`${server.url}/v1/versions`, { ca: join(dir, 'ca.crt') }), /ECONNREFUSED/);
});

test('too many requests from one credential: 429 with Retry-After; another credential is not held up', { timeout: 60_000 }, async (t) => {
  const dir = setup(t);
  caOk(dir, ['create-api-certificate', 'alice']);
  const server = await startServe(dir, ['--rate-limit', '3']);
  t.after(() => server.stop());
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await https(`${server.url}/v1/certificates`, admin(dir))).status);
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  const limited = await https(`${server.url}/v1/certificates`, admin(dir));
  assert.equal(limited.json().error.code, 'too-many-requests');
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  const other = await https(`${server.url}/v1/renew`, { ca: join(dir, 'ca.crt'), cert: join(dir, 'alice.crt'), key: join(dir, 'alice.key'), method: 'POST', headers: { 'content-type': 'application/pkcs10' }, body: '' });
  assert.equal(other.status, 200);
});

test('a slow client is cut off at --timeout', { timeout: 60_000 }, async (t) => {
  const dir = setup(t);
  const server = await startServe(dir, ['--timeout', '2']);
  t.after(() => server.stop());
  const { port } = new URL(server.url);
  const started = Date.now();
  const outcome = await new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca: readFileSync(join(dir, 'ca.crt')) }, () => {
      socket.write('POST /v1/sign HTTP/1.1\r\nHost: ca\r\n'); // the headers never end
    });
    let text = '';
    socket.on('data', (d) => (text += d));
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined);
    setTimeout(() => {
      socket.destroy();
      resolve('still open after 15 s');
    }, 15_000);
  });
  assert.notEqual(outcome, 'still open after 15 s');
  assert.ok(Date.now() - started < 10_000, `cut off after ${Date.now() - started} ms`);
  assert.match(outcome, /^$|408/);
});
