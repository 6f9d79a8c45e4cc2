// A store with a history (test/helpers/aged-store.js): 10 nodes renewed daily for 110 days. What
// expired moves out of the index into archive/ when the index is compacted, and every command
// still finds it where it should: `ca list`, `ca show --serial`, GET /v1/certificates, `ca doctor`;
// `ca revoke --serial` says it expired; a revoked certificate stays on the CRL until a CRL made
// after it expired has listed it (RFC 5280 3.3).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agedStore } from '../helpers/aged-store.js';
import { ca, caOk, have, storeIndex, tempDir, treeDigest } from '../helpers/ca.js';
import { https, startServe } from '../helpers/serve.js';

let dir;
let aged;
before(async (t) => {
  dir = tempDir(t);
  // node-1's certificate of day 5 is revoked and listed on a CRL made after it expired; node-2's
  // of day 50 is revoked and no CRL was made after it expired.
  aged = await agedStore(dir, { names: 10, rounds: 110, revokeInRound: { 5: ['node-1'], 50: ['node-2'] }, crlAfter: [5] });
});

const serialsOf = (rows) => rows.filter((r) => r.serial).map((r) => r.serial);
const caSerial = () => storeIndex(aged.storeDir).certificates.find((e) => e.name === 'ca').serial;

test('what expired is archived: the index keeps what is in force and every name\'s current certificate', () => {
  const index = storeIndex(aged.storeDir);
  const shards = readdirSync(join(aged.storeDir, 'archive')).filter((f) => /^[0-9a-f]{2}\.jsonl$/.test(f));
  assert.ok(shards.length > 100, `${shards.length} archive shards`);
  assert.ok(index.archived >= 900, `${index.archived} archived`);
  assert.equal(index.certificates.length + index.archived, aged.issued.length + 1);
  const hot = new Set(serialsOf(index.certificates));
  for (let n = 0; n < 10; n++) {
    const last = aged.issued.filter((i) => i.name === `node-${n}`).at(-1);
    assert.ok(hot.has(last.serial), `node-${n}'s current certificate is in the index`);
  }
  const [node1Revoked, node2Revoked] = aged.revoked;
  assert.ok(!hot.has(node1Revoked), 'revoked, expired and on a CRL made after: archived');
  assert.ok(hot.has(node2Revoked), 'revoked and expired, but no CRL made since it expired: kept');
});

test('ca list and ca list --json give every certificate once, the archived ones expired', () => {
  const rows = JSON.parse(caOk(dir, ['list', '--json']).out);
  const serials = serialsOf(rows);
  assert.equal(serials.length, aged.issued.length + 1);
  assert.deepEqual(new Set(serials), new Set([...aged.issued.map((i) => i.serial), caSerial()]));
  const archived = rows.slice(0, storeIndex(aged.storeDir).archived);
  assert.ok(archived.every((r) => new Date(r.notAfter) < new Date() && ['expired', 'superseded', 'revoked'].includes(r.state)), 'the archived come first, all expired');
  const table = caOk(dir, ['list']).out.trim().split('\n');
  assert.equal(table.length, aged.issued.length + 1);
  assert.ok(table.every((line) => line.split('\t').length === 5), 'tab-separated rows when piped');
});

test('an archived certificate is shown by its serial, and revoking it says why there is nothing to do', () => {
  const old = aged.issued[3];
  const shown = JSON.parse(caOk(dir, ['show', '--serial', old.serial.toUpperCase(), '--json']).out);
  assert.equal(shown.serial ?? shown.entry?.serial, old.serial);
  assert.match(caOk(dir, ['show', '--serial', old.serial]).out, new RegExp(old.name));
  const before = treeDigest(aged.storeDir);
  const r = ca(dir, ['revoke', '--serial', old.serial]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`certificate ${old.serial} \\(${old.name}\\) expired on .*: there is nothing to revoke`));
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(treeDigest(aged.storeDir), before, 'the store is untouched');
  assert.equal(ca(dir, ['show', '--serial', 'ab'.repeat(16)]).status, 1);
});

test('the CRL keeps a revoked certificate until a CRL made after it expired has listed it', (t) => {
  if (!have('openssl')) return t.skip('openssl is not installed (Debian package openssl)');
  caOk(dir, ['crl']);
  const text = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', join(aged.storeDir, 'crl.der'), '-noout', '-text'], { encoding: 'utf8' }).stdout;
  const listed = [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1].toLowerCase().replace(/^0+/, ''));
  const [node1Revoked, node2Revoked] = aged.revoked.map((s) => s.replace(/^0+/, ''));
  assert.ok(listed.includes(node2Revoked), 'node-2 (no CRL since it expired) is listed');
  assert.ok(!listed.includes(node1Revoked), 'node-1 (listed by a CRL after it expired) is not');
});

test('ca doctor counts the archived certificates; new certificates are issued as before', () => {
  const doctor = ca(dir, ['doctor']);
  assert.match(doctor.stdout + doctor.stderr, new RegExp(`readable: ${aged.issued.length + 1} certificates issued`));
  caOk(dir, ['create-api-certificate', '--admin', '--out', dir, 'ops']);
  const rows = JSON.parse(caOk(dir, ['list', '--json']).out);
  assert.equal(rows.length, aged.issued.length + 2);
});

test('GET /v1/certificates lists the archived certificates too, as ca list --json does', async () => {
  const server = await startServe(dir);
  try {
    const r = await https(`${server.url}/v1/certificates`, { ca: join(aged.storeDir, 'ca.crt'), cert: join(dir, 'ops.crt'), key: join(dir, 'ops.key') });
    assert.equal(r.status, 200, r.text);
    const listed = r.json();
    const cli = JSON.parse(caOk(dir, ['list', '--json']).out);
    assert.deepEqual(new Set(serialsOf(listed.certificates)), new Set(serialsOf(cli)));
    assert.equal(listed.certificates.length, cli.length);
  } finally {
    await server.stop();
  }
});

test('a shard line cut short by a crash is not read, and the next archiving cuts it off', async () => {
  const listed = () => JSON.parse(caOk(dir, ['list', '--json']).out).length;
  const count = listed();
  const name = readdirSync(join(aged.storeDir, 'archive')).find((f) => f.endsWith('.jsonl'));
  const shard = join(aged.storeDir, 'archive', name);
  const whole = readFileSync(shard, 'utf8');
  appendFileSync(shard, '{"name":"torn","serial":"01');
  assert.equal(listed(), count);
  const { Archive } = await import('../../dist/store/archive.js');
  const { Layout } = await import('../../dist/store/layout.js');
  const entry = JSON.parse(whole.split('\n')[0]);
  const serial = `7f${'00'.repeat(14)}${name.slice(0, 2)}`;
  await new Archive(new Layout(aged.storeDir)).add([{ ...entry, serial }]);
  const after = readFileSync(shard, 'utf8');
  assert.ok(after.startsWith(whole) && !after.includes('torn'), 'the torn line is gone');
  assert.equal(after.split('\n').length, whole.split('\n').length + 1);
  assert.equal(listed(), count + 1);
});
