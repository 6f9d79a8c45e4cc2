// Killing `create-node-certificate --count` with SIGKILL at random moments leaves only whole
// certificates and keys, a valid index that names only certificates that exist, no lock held, and
// a store the next command uses normally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CA_BIN, caOk, storeIndex, tempDir } from '../helpers/ca.js';

/**
 * Every certificate in the index is kept whole under issued/; once the next change has finished
 * what the killed one committed (`settle`), certs/NAME.crt and keys/NAME.key are each node's.
 */
function checkWhole(dir, outDir) {
  const store = join(dir, '.ca');
  for (const e of storeIndex(store).certificates) {
    assert.equal(new X509Certificate(readFileSync(join(store, 'issued', `${e.serial}.crt`))).serialNumber.toLowerCase(), e.serial);
  }
  caOk(dir, ['new-cert', '--force', 'settle']);
  const index = storeIndex(store);
  for (const e of index.certificates.filter((x) => x.profile === 'node')) {
    const cert = new X509Certificate(readFileSync(join(store, 'certs', `${e.name}.crt`)));
    assert.equal(cert.serialNumber.toLowerCase(), e.serial, `index entry ${e.name} matches its certificate`);
    assert.ok(cert.checkPrivateKey(createPrivateKey(readFileSync(join(store, 'keys', `${e.name}.key`)))));
  }
  for (const [sub, parse] of [
    [join(store, 'certs'), (b) => new X509Certificate(b)],
    [join(store, 'keys'), (b) => createPrivateKey(b)],
    [outDir, (b, f) => (f.endsWith('.crt') ? new X509Certificate(b) : createPrivateKey(b))],
  ]) {
    for (const f of readdirSync(sub).filter((n) => !n.endsWith('.tmp') && n !== 'pending')) parse(readFileSync(join(sub, f)), f);
  }
  return index.certificates.length;
}

test('SIGKILL during --count leaves only whole certificates and a usable store', async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  const out = join(dir, 'nodes');
  mkdirSync(out);
  let killedMidway = 0;
  for (let round = 0; round < 6; round++) {
    const child = spawn(process.execPath, [CA_BIN, 'create-node-certificate', '--count', '30', '--ip', '10.0.0.1', '--out', 'nodes'], {
      cwd: dir,
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await sleep(250 + Math.floor(Math.random() * 1200));
    if (child.exitCode === null) killedMidway++;
    child.kill('SIGKILL');
    await exited;
    // The next command (checkWhole's settle) takes the stale lock over at once.
    const started = Date.now();
    checkWhole(dir, out);
    assert.ok(Date.now() - started < 20_000, 'no wait for a lock held by a dead process');
  }
  assert.ok(killedMidway >= 3, `at least half the runs were killed mid-way (${killedMidway})`);
  caOk(dir, ['create-api-certificate', '--out', 'nodes', 'after']);
  assert.equal(existsSync(join(dir, '.ca/lock')), false);
  for (const sub of ['.', 'certs', 'keys', 'keys/pending', 'csrs', 'issued']) {
    assert.deepEqual(readdirSync(join(dir, '.ca', sub)).filter((n) => n.endsWith('.tmp')), [], `no temporary files in ${sub}`);
  }
  assert.ok(checkWhole(dir, out) > 1);
});
