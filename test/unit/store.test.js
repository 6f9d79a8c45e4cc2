import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KEY_MODE, PUBLIC_MODE, readKeyRef, writeAtomic } from '../../dist/store/file.js';
import { withLock } from '../../dist/store/lock.js';
import { compact } from '../../dist/store/journal.js';
import { Store } from '../../dist/store/store.js';
import { CaError } from '../../dist/error.js';
import { caOk, mode, tempDir } from '../helpers/ca.js';

test('files get exactly their mode whatever the umask, and no temporary file is left', async (t) => {
  const dir = tempDir(t);
  for (const umask of [0o000, 0o022, 0o077]) {
    const old = process.umask(umask);
    try {
      await writeAtomic({ path: join(dir, `k${umask}`), mode: KEY_MODE, label: 'k' }, 'secret');
      await writeAtomic({ path: join(dir, `c${umask}`), mode: PUBLIC_MODE, label: 'c' }, 'cert');
    } finally {
      process.umask(old);
    }
    assert.equal(mode(join(dir, `k${umask}`)), 0o600, `key under umask ${umask.toString(8)}`);
    assert.equal(mode(join(dir, `c${umask}`)), 0o644, `certificate under umask ${umask.toString(8)}`);
  }
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
});

test('nothing is overwritten unless asked; the old content survives a refused write', async (t) => {
  const dir = tempDir(t);
  const ref = { path: join(dir, 'a.key'), mode: KEY_MODE, label: 'a key' };
  await writeAtomic(ref, 'first');
  await assert.rejects(writeAtomic(ref, 'second'), (e) => e instanceof CaError && /already exists/.test(e.message) && /--force/.test(e.hint));
  assert.equal(readFileSync(ref.path, 'utf8'), 'first');
  await writeAtomic(ref, 'third', { overwrite: true });
  assert.equal(readFileSync(ref.path, 'utf8'), 'third');
  assert.deepEqual(readdirSync(dir), ['a.key']);
});

test('a key readable by others is refused with the chmod that fixes it', async (t) => {
  const dir = tempDir(t);
  const ref = { path: join(dir, 'ca.key'), mode: KEY_MODE, label: 'the CA key' };
  await writeAtomic(ref, 'k');
  chmodSync(ref.path, 0o644);
  await assert.rejects(readKeyRef(ref), (e) => e instanceof CaError && /mode 0644/.test(e.message) && e.hint.includes(`chmod 600 ${ref.path}`));
  chmodSync(ref.path, 0o600);
  assert.equal(await readKeyRef(ref), 'k');
});

test('the lock serialises changes', async (t) => {
  const dir = tempDir(t);
  const log = [];
  const job = (id) =>
    withLock(dir, async () => {
      log.push(`start ${id}`);
      await sleep(20);
      log.push(`end ${id}`);
    });
  await Promise.all([job(1), job(2), job(3)]);
  for (let i = 0; i < log.length; i += 2) {
    assert.equal(log[i].replace('start', ''), log[i + 1].replace('end', ''), `no interleaving: ${log.join(', ')}`);
  }
  assert.deepEqual(readdirSync(dir), []);
});

test("a lock left by a dead process is broken; a live holder's is waited for", async (t) => {
  const dir = tempDir(t);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  const { hostname } = await import('node:os');
  writeFileSync(join(dir, 'lock'), `${dead} ${hostname()} abc\n`);
  assert.equal(await withLock(dir, async () => 'ran'), 'ran');

  writeFileSync(join(dir, 'lock'), `1 ${hostname()} init\n`); // pid 1 is alive
  await assert.rejects(
    withLock(dir, async () => 'never', { timeoutMs: 100 }),
    (e) => e instanceof CaError && /locked by another ca command \(pid 1\)/.test(e.message),
  );
});

test('regression: a lock is never empty; a killed waiter leaves only a temporary, removed by the next change', async (t) => {
  const { caOk } = await import('../helpers/ca.js');
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  // What a process killed inside the lock's create() leaves: its temporary, never an empty lock.
  writeFileSync(join(dir, '.ca', `lock.${dead}.0123456789ab`), `${dead} host token\n`);
  writeFileSync(join(dir, '.ca', `lock.${process.pid}.0123456789ab`), 'a live waiter: kept\n');
  caOk(dir, ['new-cert', 'x']);
  const left = readdirSync(join(dir, '.ca')).filter((n) => n.startsWith('lock'));
  assert.deepEqual(left, [`lock.${process.pid}.0123456789ab`]);
});

test('a change starts from what read() found, and still sees what another writer did since, compaction included', async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '-q', '--key-type', 'ecdsa', 'seeded']);
  caOk(dir, ['create-api-certificate', '-q', 'alice']);
  const storeDir = join(dir, '.ca');
  const [a, b] = [await Store.open(storeDir), await Store.open(storeDir)];

  // Another writer appends to the journal between A's read and A's change.
  const seen = await a.readIndex();
  await b.change(async (tx) => tx.setCrlNumber(7, new Date()));
  const found = await a.change(async (tx) => {
    const before = tx.index.crlNumber;
    tx.setCrlNumber(before + 1, new Date());
    tx.revoke(tx.index.certificates.find((e) => e.name === 'alice'), new Date(), 'superseded');
    return before;
  });
  assert.equal(found, 7, "A's change saw B's");
  assert.equal(seen.crlNumber, 0, 'what read() gave A is not changed under it');
  assert.equal(seen.certificates.find((e) => e.name === 'alice').status, 'valid', 'nor are its entries');
  const after = await (await Store.open(storeDir)).readIndex();
  assert.equal(after.crlNumber, 8);
  assert.equal(after.certificates.find((e) => e.name === 'alice').status, 'revoked');

  // Another writer compacts (a new index.json, the journal emptied) and appends past where A's read ended.
  const c = await Store.open(storeDir);
  await c.readIndex();
  await b.change(async (tx) => tx.setCrlNumber(20, new Date()));
  await compact(b.index, b.journal, await b.readIndex());
  for (let n = 21; n <= 40; n++) await b.change(async (tx) => tx.setCrlNumber(n, new Date()));
  assert.ok(statSync(b.journal.path).size > 0);
  assert.equal(await c.change(async (tx) => tx.index.crlNumber), 40, 'C read the whole index again');
});

test("a change cannot record a certificate under a name that is not one, nor under the CA's own", async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '-q', '--key-type', 'ecdsa', 'guarded']);
  caOk(dir, ['create-api-certificate', '-q', 'alice']);
  const storeDir = join(dir, '.ca');
  const store = await Store.open(storeDir);
  const alice = (await store.readIndex()).certificates.find((e) => e.name === 'alice');
  const certPem = await store.certificatePem(alice);
  const journal = readFileSync(join(storeDir, 'journal.jsonl'));
  for (const name of ['../ca', 'bad name', 'ca']) {
    await assert.rejects(
      store.change(async (tx) => tx.issue({ entry: { ...alice, name, serial: '0abc' }, certPem })),
      (e) => e instanceof CaError && /refusing to (make a path|record)/.test(e.message),
      name,
    );
  }
  assert.deepEqual(readFileSync(join(storeDir, 'journal.jsonl')), journal, 'nothing was journaled');
  assert.equal((await (await Store.open(storeDir)).readIndex()).certificates.length, 2);
});
