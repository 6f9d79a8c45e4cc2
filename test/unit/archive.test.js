import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Archive, coldEntries } from '../../dist/store/archive.js';
import { emptyIndex } from '../../dist/store/index-file.js';
import { Layout } from '../../dist/store/layout.js';
import { IndexState } from '../../dist/store/state.js';
import { tempDir } from '../helpers/ca.js';
import { indexEntry } from '../helpers/index-entry.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const entry = (name, notAfter, fields = {}) => indexEntry(name, { notAfter, ...fields });

function indexOf(entries, crlAt) {
  const index = { ...emptyIndex(), certificates: entries, ...(crlAt ? { crlAt } : {}) };
  return new IndexState(index).data;
}

test('archived: expired, not the current one of its name, not the CA; revoked only once a later CRL listed it', () => {
  const old = entry('a', '2026-03-01T00:00:00.000Z', { status: 'superseded' });
  const current = entry('a', '2026-04-01T00:00:00.000Z'); // expired, but a's current certificate
  const ca = entry('ca', '2026-02-01T00:00:00.000Z', { status: 'superseded', profile: 'ca' });
  const ca2 = entry('ca', '2036-02-01T00:00:00.000Z', { profile: 'ca' });
  const unexpired = entry('b', '2026-07-01T00:00:00.000Z', { status: 'superseded' });
  const b = entry('b', '2026-08-01T00:00:00.000Z');
  const revokedEarly = entry('c', '2026-03-01T00:00:00.000Z', { status: 'revoked', revokedAt: '2026-02-01T00:00:00.000Z', revocationReason: 'keyCompromise' });
  const revokedLate = entry('c', '2026-05-15T00:00:00.000Z', { status: 'revoked', revokedAt: '2026-05-01T00:00:00.000Z', revocationReason: 'keyCompromise' });
  const c = entry('c', '2026-09-01T00:00:00.000Z');
  const all = [ca, ca2, old, current, unexpired, b, revokedEarly, revokedLate, c];
  // The last CRL was made on May 1st: after revokedEarly expired, before revokedLate did.
  assert.deepEqual(coldEntries(indexOf(all, '2026-05-01T00:00:00.000Z'), NOW), [old, revokedEarly]);
  assert.deepEqual(coldEntries(indexOf(all, '2026-05-20T00:00:00.000Z'), NOW), [old, revokedEarly, revokedLate]);
  assert.deepEqual(coldEntries(indexOf(all, undefined), NOW), [old]);
});

test('the index without its archived entries keeps every lookup right', () => {
  const a1 = entry('a', '2026-03-01T00:00:00.000Z', { status: 'superseded' });
  const a2 = entry('a', '2026-04-01T00:00:00.000Z', { status: 'superseded' });
  const a3 = entry('a', '2026-09-01T00:00:00.000Z');
  const state = new IndexState({ ...emptyIndex(), certificates: [a1, a2, a3] });
  state.archive([a1, a2]);
  assert.deepEqual(state.data.certificates, [a3]);
  assert.equal(state.data.archived, 2);
  assert.equal(state.serialTaken(a1.serial), false);
  assert.equal(state.serialTaken(a3.serial), true);
});

test('an entry in the archive and still in the index (a crash between the two) is listed once', async (t) => {
  const dir = tempDir(t);
  mkdirSync(`${dir}/archive`);
  const archive = new Archive(new Layout(dir));
  const e1 = entry('a', '2026-03-01T00:00:00.000Z');
  const e2 = entry('a', '2026-03-02T00:00:00.000Z');
  await archive.add([e1, e2]);
  await archive.add([e1]); // the next compaction archived it again
  const listed = [];
  for await (const e of archive.entries(() => false)) listed.push(e.serial);
  assert.deepEqual(listed.sort(), [e1.serial, e2.serial].sort());
  const without = [];
  for await (const e of archive.entries((s) => s === e2.serial)) without.push(e.serial);
  assert.deepEqual(without, [e1.serial]);
  assert.deepEqual(archive.find(e2.serial), e2);
  assert.equal(archive.find(`7a${'00'.repeat(14)}ff`), undefined);
});

test('a torn last line longer than one read is cut back to the line before it, and one alone to nothing', async (t) => {
  const dir = tempDir(t);
  mkdirSync(`${dir}/archive`);
  const layout = new Layout(dir);
  const archive = new Archive(layout);
  const e1 = entry('a', '2026-03-01T00:00:00.000Z');
  await archive.add([e1]);
  const shard = layout.archiveShard(e1.serial.slice(-2)).path;
  const whole = readFileSync(shard, 'utf8');
  appendFileSync(shard, `{"name":"torn","serial":"${'0'.repeat(200_000)}`);
  const e2 = entry('b', '2026-03-02T00:00:00.000Z', { serial: `${e1.serial.slice(0, -4)}99${e1.serial.slice(-2)}` });
  await archive.add([e2]);
  assert.equal(readFileSync(shard, 'utf8'), `${whole}${JSON.stringify(e2)}\n`);

  writeFileSync(shard, '{"name":"torn"');
  await archive.add([e1]);
  assert.equal(readFileSync(shard, 'utf8'), `${JSON.stringify(e1)}\n`);
});
