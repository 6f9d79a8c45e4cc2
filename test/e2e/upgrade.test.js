// A store made by clusterca 0.1 (index format 1) is upgraded by the first command that opens it:
// current certificates are archived by serial with their public key, a pending request's key is
// moved out of keys/NAME.key, and no key is left beside a certificate it does not match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, createPublicKey } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { caOk, storeIndex, tempDir } from '../helpers/ca.js';

const publicOf = (pem) => (pem.type === 'public' ? pem : createPublicKey(pem)).export({ type: 'spki', format: 'der' }).toString('hex');

/** Rewrites a format 2 store into the layout and index clusterca 0.1 wrote. */
function downgrade(store) {
  const index = storeIndex(store); // format 1 had no journal: everything goes into index.json
  rmSync(join(store, 'journal.jsonl'), { force: true });
  for (const r of index.requests) {
    // 0.1 wrote the request's key straight over keys/NAME.key.
    renameSync(join(store, 'keys/pending', `${r.id}.key`), join(store, 'keys', `${r.name}.key`));
    delete r.id;
    delete r.csr;
  }
  for (const e of index.certificates) {
    for (const field of ['publicKey', 'keyType', 'hasKey']) delete e[field];
    if (e.revocationReason === null) delete e.revocationReason;
  }
  for (const field of ['applying', 'seq', 'tokens']) delete index[field];
  index.version = 1;
  writeFileSync(join(store, 'index.json'), JSON.stringify(index, null, 2));
  rmSync(join(store, 'issued'), { recursive: true });
  rmSync(join(store, 'keys/pending'), { recursive: true });
}

test('a format 1 store is upgraded in place and keeps working', async (t) => {
  const dir = tempDir(t);
  const store = join(dir, '.ca');
  caOk(dir, ['init', '--key-bits', '2048']);
  caOk(dir, ['create-api-certificate', 'alice']);
  caOk(dir, ['renew', 'alice']); // a superseded certificate, which 0.1 did not keep
  caOk(dir, ['new-cert', '--ip', '10.0.0.22', 'docker1']);
  caOk(dir, ['sign', 'docker1']);
  caOk(dir, ['new-cert', '--force', '--ip', '10.0.0.23', 'docker1']);
  downgrade(store);

  const listed = JSON.parse(caOk(dir, ['list', '--json']).out);
  const index = storeIndex(store);
  assert.equal(index.version, 2);
  assert.equal(listed.length, 5);
  const [caEntry, aliceOld, aliceNow, docker1] = index.certificates;
  for (const e of [caEntry, aliceNow, docker1]) {
    assert.ok(existsSync(join(store, 'issued', `${e.serial}.crt`)), `${e.name}'s current certificate is archived`);
    assert.equal(e.publicKey, createHash('sha256').update(Buffer.from(publicOf(readFileSync(join(store, 'issued', `${e.serial}.crt`))), 'hex')).digest('hex'));
  }
  assert.equal(aliceOld.publicKey, null, 'a superseded certificate of 0.1 is gone: its key is unknown');
  assert.equal(aliceNow.hasKey, true);
  // docker1's key was overwritten by 0.1's new-cert --force: the store no longer claims to hold it.
  assert.equal(docker1.hasKey, false);
  assert.equal(existsSync(join(store, 'keys/docker1.key')), false);
  const [request] = index.requests;
  assert.match(request.id, /^[0-9a-f]{32}$/);
  const { readRequest } = await import('../../dist/pki/csr.js');
  assert.equal(publicOf(readFileSync(join(store, 'keys/pending', `${request.id}.key`))), publicOf(readRequest(request.csr, 'csr').publicKey));

  caOk(dir, ['sign', 'docker1']);
  const cert = readFileSync(join(store, 'certs/docker1.crt'));
  assert.equal(new X509Certificate(cert).subjectAltName, 'IP Address:10.0.0.23');
  assert.equal(publicOf(readFileSync(join(store, 'keys/docker1.key'))), publicOf(cert));
  caOk(dir, ['export', '--out', 'alice.tar', 'alice']);
  caOk(dir, ['revoke', '--reason', 'keyCompromise', 'alice']);
});
