// Several ca processes on one store at once: they queue on the lock, all succeed, and no serial or
// index entry is lost or repeated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { caAsync, caOk, storeIndex, tempDir } from '../helpers/ca.js';

test('8 processes issuing into one store at once: 8 successes, 8 distinct serials, 8 entries', async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => caAsync(dir, ['create-api-certificate', `user${i}`])));
  runs.forEach((r, i) => assert.equal(r.status, 0, `user${i}: ${r.stderr}`));
  const index = storeIndex(join(dir, '.ca'));
  const users = index.certificates.filter((e) => e.profile === 'api');
  assert.equal(users.length, 8);
  assert.equal(new Set(users.map((e) => e.serial)).size, 8);
  assert.equal(new Set(index.certificates.map((e) => e.serial)).size, 9);
});

test('a mix at once: requests, signing, one-step issuance, revocations and exports', async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  for (let i = 0; i < 3; i++) caOk(dir, ['new-cert', '--ip', `10.0.1.${i}`, `pre${i}`]);
  caOk(dir, ['create-api-certificate', 'exported']);
  for (const u of ['gone0', 'gone1']) caOk(dir, ['create-api-certificate', u]);
  const jobs = [
    ['revoke', 'gone0'],
    ['revoke', '--reason', 'superseded', 'gone1'],
    ...[0, 1, 2].map((i) => ['sign', `pre${i}`]),
    ...[0, 1].map((i) => ['new-cert', '--ip', `10.0.2.${i}`, `req${i}`]),
    ['create-node-certificate', '--count', '3', '--ip', '10.0.3.1'],
    ['create-control-certificate', '10.0.0.9'],
    ['export', '--out', 'e1.tar', 'exported'],
    ['export', '--format', 'pem', '--out', 'e2.pem', 'exported'],
  ];
  const runs = await Promise.all(jobs.map((args) => caAsync(dir, args)));
  runs.forEach((r, i) => assert.equal(r.status, 0, `${jobs[i].join(' ')}: ${r.stderr}`));
  const index = storeIndex(join(dir, '.ca'));
  assert.equal(index.certificates.length, 1 + 3 + 3 + 3 + 1);
  assert.equal(new Set(index.certificates.map((e) => e.serial)).size, index.certificates.length);
  assert.deepEqual(index.requests.map((r) => r.name).sort(), ['req0', 'req1']);
  assert.deepEqual(index.certificates.filter((e) => e.status === 'revoked').map((e) => e.name).sort(), ['gone0', 'gone1']);
  assert.equal(index.crlNumber, 2, 'each revocation wrote its own CRL');
});
