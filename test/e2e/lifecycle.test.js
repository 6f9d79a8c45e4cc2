// After issuance: list, show, chain, verify, revoke, crl, renew and status on a real store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ca, caOk, run, storeIndex, tempDir } from '../helpers/ca.js';

function setup(t) {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  caOk(dir, ['create-api-certificate', 'alice']);
  caOk(dir, ['create-node-certificate', '--name', 'n1', '--ip', '10.0.0.1', '--domain', 'n1.internal']);
  caOk(dir, ['new-cert', '--ip', '10.0.0.9', 'pend']);
  return dir;
}

test('list: every certificate and request with its state; --json parses', (t) => {
  const dir = setup(t);
  caOk(dir, ['create-api-certificate', '--days', '10', 'shorty']);
  const plain = caOk(dir, ['list']).out.trim().split('\n').map((l) => l.split('\t'));
  assert.deepEqual(plain.map((r) => [r[0], r[1], r[2]]), [
    ['ca', 'ca', 'valid'], ['alice', 'api', 'valid'], ['n1', 'node', 'valid'], ['shorty', 'api', 'expiring'], ['pend', 'peer', 'pending'],
  ]);
  assert.equal(plain[2][4], 'DNS:n1.internal,IP:10.0.0.1');
  const json = JSON.parse(caOk(dir, ['list', '--json']).out);
  assert.equal(json.length, 5);
  assert.deepEqual(
    Object.keys(json[1]).sort(),
    ['fingerprint', 'hasKey', 'keyType', 'name', 'notAfter', 'notBefore', 'profile', 'publicKey', 'revocationReason', 'revokedAt', 'sans', 'serial', 'source', 'state', 'status', 'subject'].sort(),
  );
  assert.deepEqual([json[4].status, json[4].state], ['pending', 'pending']);
});

test('show and chain', (t) => {
  const dir = setup(t);
  const text = caOk(dir, ['show', 'n1']).out;
  assert.match(text, /^Name: +n1 \(node, valid\)$/m);
  assert.match(text, /^SANs: +DNS:n1\.internal, IP:10\.0\.0\.1$/m);
  assert.match(text, /^Extended usage: serverAuth, clientAuth$/m);
  assert.match(text, /^Key usage: +digitalSignature, keyEncipherment$/m);
  assert.match(text, /\(825 days left\)$/m);
  const cert = new X509Certificate(readFileSync(join(dir, '.ca/certs/n1.crt')));
  assert.match(text, new RegExp(`^SHA-256: +${cert.fingerprint256}$`, 'm'));
  const json = JSON.parse(caOk(dir, ['show', '--json', 'n1']).out);
  assert.deepEqual([json.name, json.serial, json.daysLeft, json.isCa], ['n1', cert.serialNumber.toLowerCase(), 825, false]);
  assert.equal(caOk(dir, ['show', '--pem', 'n1']).out, readFileSync(join(dir, '.ca/certs/n1.crt'), 'utf8'));
  const chain = caOk(dir, ['chain', 'n1']).out;
  assert.equal(chain, readFileSync(join(dir, '.ca/certs/n1.crt'), 'utf8') + readFileSync(join(dir, '.ca/ca.crt'), 'utf8'));
  assert.match(ca(dir, ['show', 'nobody']).stderr, /there is no certificate named nobody; run `ca list`/);
});

test('verify: good host and usage pass; a wrong host, usage, another CA and a revoked one fail with the reason', (t) => {
  const dir = setup(t);
  let r = ca(dir, ['verify', 'n1.crt', '--host', 'n1.internal', '--usage', 'server']);
  assert.deepEqual([r.status, r.out], [0, 'n1.crt: valid\n']);
  r = ca(dir, ['verify', 'n1.crt', '--host', '10.0.0.2']);
  assert.deepEqual([r.status, r.out], [1, 'n1.crt: not valid: it does not name 10.0.0.2 (its SANs: DNS:n1.internal, IP:10.0.0.1)\n']);
  r = ca(dir, ['verify', 'alice.crt', '--usage', 'server']);
  assert.equal(r.status, 1);
  assert.match(r.out, /not for server use/);
  const other = tempDir(t);
  caOk(other, ['init', '--key-bits', '2048']);
  caOk(other, ['create-api-certificate', 'mallory']);
  r = ca(dir, ['verify', join(other, 'mallory.crt')]);
  assert.equal(r.status, 1);
  assert.match(r.out, /was not issued by this store's CA/);
  caOk(dir, ['revoke', 'alice']);
  r = ca(dir, ['verify', '--json', 'alice.crt']);
  assert.equal(r.status, 1);
  assert.deepEqual(JSON.parse(r.out).problems, ['it has been revoked']);
  // DER works too
  const der = run('openssl', ['x509', '-in', join(dir, 'n1.crt'), '-outform', 'DER', '-out', join(dir, 'n1.der')]);
  if (der.status === 0) assert.equal(ca(dir, ['verify', 'n1.der']).status, 0);
});

test('revoke: the index and list reflect it; a second revoke and revoking the CA are refused; reasons are checked', (t) => {
  const dir = setup(t);
  const out = JSON.parse(caOk(dir, ['revoke', '--reason', 'keyCompromise', '--json', 'alice']).out);
  assert.deepEqual([out.status, out.revocationReason, out.crl.number], ['revoked', 'keyCompromise', 1]);
  assert.ok(out.revokedAt);
  assert.match(caOk(dir, ['list']).out, /^alice\tapi\trevoked\t/m);
  assert.match(caOk(dir, ['show', 'alice']).out, /^Revoked: +.* \(keyCompromise\)$/m);
  assert.match(ca(dir, ['revoke', 'alice']).stderr, /alice is already revoked/);
  assert.equal(ca(dir, ['revoke', 'ca']).status, 1);
  const bad = ca(dir, ['revoke', '--reason', 'boredom', 'n1']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown revocation reason "boredom"; use one of: unspecified, keyCompromise/);
});

test('renew: same subject, SANs, profile and key, new serial; the old entry is superseded; --new-key replaces the key', (t) => {
  const dir = setup(t);
  const before = new X509Certificate(readFileSync(join(dir, '.ca/certs/n1.crt')));
  const r = JSON.parse(caOk(dir, ['renew', '--json', '--days', '90', 'n1']).out);
  const after = new X509Certificate(readFileSync(join(dir, '.ca/certs/n1.crt')));
  assert.notEqual(after.serialNumber, before.serialNumber);
  assert.equal(after.subject, before.subject);
  assert.equal(after.subjectAltName, before.subjectAltName);
  assert.deepEqual(after.keyUsage, before.keyUsage);
  assert.ok(after.publicKey.equals(before.publicKey), 'same key');
  assert.equal(r.profile, 'node');
  assert.equal(Math.round((new Date(after.validTo) - new Date(after.validFrom)) / 864e5), 90);
  const index = storeIndex(join(dir, '.ca'));
  assert.deepEqual(index.certificates.filter((e) => e.name === 'n1').map((e) => e.status), ['superseded', 'valid']);
  assert.equal(caOk(dir, ['verify', '.ca/certs/n1.crt', '--host', '10.0.0.1', '--usage', 'client']).status, 0);

  const oldKey = readFileSync(join(dir, '.ca/keys/alice.key'), 'utf8');
  caOk(dir, ['renew', '--new-key', 'alice']);
  assert.notEqual(readFileSync(join(dir, '.ca/keys/alice.key'), 'utf8'), oldKey);
  const alice = new X509Certificate(readFileSync(join(dir, '.ca/certs/alice.crt')));
  assert.ok(alice.checkPrivateKey(createPrivateKey(readFileSync(join(dir, '.ca/keys/alice.key')))));
  caOk(dir, ['revoke', 'alice']);
  assert.match(ca(dir, ['renew', 'alice']).stderr, /alice is revoked/);
});

test('renew an outside-CSR certificate: the same key, from the request', (t) => {
  const dir = setup(t);
  const req = run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'web.key'), '-out', join(dir, 'web.csr'), '-subj', '/CN=web', '-addext', 'subjectAltName=DNS:web.example']);
  if (req.status !== 0) return t.skip('openssl is not installed (Debian package openssl)');
  caOk(dir, ['sign', '--csr', 'web.csr', '--profile', 'server', '--out', 'web.crt']);
  caOk(dir, ['renew', 'web']);
  const renewed = new X509Certificate(readFileSync(join(dir, '.ca/certs/web.crt')));
  assert.ok(renewed.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'web.key')))));
  assert.equal(renewed.subjectAltName, 'DNS:web.example');
  assert.match(ca(dir, ['renew', '--new-key', 'web']).stderr, /its key is not here to replace/);
});

test('status: exit 0 when nothing expires soon, 1 with the certificates that do; --json parses', (t) => {
  const dir = setup(t);
  let r = ca(dir, ['status']);
  assert.equal(r.status, 0);
  assert.match(r.out, /^ca: valid until \d{4}-\d\d-\d\d \(365[23] days\)\nNothing expires within 30 days\.\n$/);
  caOk(dir, ['create-api-certificate', '--days', '7', 'soon']);
  r = ca(dir, ['status']);
  assert.equal(r.status, 1);
  assert.match(r.out, /^soon: expires in 7 days \(\d{4}-\d\d-\d\d\)$/m);
  assert.equal(ca(dir, ['status', '--within', '5']).status, 0);
  const json = JSON.parse(ca(dir, ['status', '--json']).out);
  assert.deepEqual([json.ok, json.attention.map((a) => a.name), json.withinDays], [false, ['soon'], 30]);
  caOk(dir, ['revoke', 'soon']);
  assert.equal(ca(dir, ['status']).status, 0, 'a revoked certificate needs no renewal');
});
