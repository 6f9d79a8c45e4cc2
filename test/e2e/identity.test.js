// Certificate identity (SPEC, second wave): a certificate is its serial, a name has at most one
// current certificate, nothing ever issued escapes revocation, the key in the store always matches
// the certificate in force, one pending request is signed once, and the CA itself can be renewed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ca, caAsync, caOk, needs, run, storeIndex, tempDir } from '../helpers/ca.js';
import { readTar } from '../helpers/tar.js';

const store = (dir, ...p) => join(dir, '.ca', ...p);
const index = (dir) => storeIndex(store(dir));
const serialOf = (file) => new X509Certificate(readFileSync(file)).serialNumber.toLowerCase();
const publicOf = (pem) => createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('hex');

function init(t) {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048', 'identity-ca']);
  return dir;
}

/** The serials a CRL lists, as OpenSSL reads it. */
function crlSerials(dir) {
  const r = run('openssl', ['crl', '-in', store(dir, 'crl.pem'), '-noout', '-text']);
  return [...r.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1].toLowerCase());
}

test('a re-issued name keeps every certificate revocable: keyCompromise reaches the old one', (t) => {
  const dir = init(t);
  caOk(dir, ['new-cert', '--ip', '10.0.0.1', 'r1']);
  caOk(dir, ['sign', 'r1']);
  copyFileSync(store(dir, 'certs/r1.crt'), join(dir, 'old.crt'));
  const oldSerial = serialOf(join(dir, 'old.crt'));
  caOk(dir, ['new-cert', '--force', '--ip', '10.0.0.1', 'r1']);
  caOk(dir, ['sign', 'r1']);
  const states = index(dir).certificates.filter((e) => e.name === 'r1').map((e) => e.status);
  assert.deepEqual(states, ['superseded', 'valid'], 'the old certificate is superseded in the same change');
  assert.match(caOk(dir, ['list']).out, /^r1\tpeer\tsuperseded\t/m);
  assert.equal(ca(dir, ['verify', 'old.crt']).status, 0, 'a superseded certificate still verifies until revoked');

  // The old certificate was made for another key: keyCompromise of the new one does not reach it,
  // and says which older certificate of the name is still valid.
  const r = caOk(dir, ['revoke', '--reason', 'keyCompromise', 'r1']);
  assert.match(r.stderr, /1 older certificate\(s\) of r1 are still valid: `ca revoke --all r1`/);
  assert.equal(ca(dir, ['verify', 'old.crt']).status, 0);
  const again = ca(dir, ['revoke', 'r1']);
  assert.match(again.stderr, /r1 is already revoked .*; 1 older certificate\(s\) of r1 are still valid/);
  // Any certificate ever issued can be revoked by serial (colons and case as openssl prints them).
  const colons = oldSerial.toUpperCase().match(/../g).join(':');
  caOk(dir, ['revoke', '--serial', colons]);
  assert.match(ca(dir, ['verify', 'old.crt']).out, /not valid: it has been revoked/);
  if (!needs('openssl', 'openssl')) assert.equal(crlSerials(dir).length, 2);
  assert.match(caOk(dir, ['show', '--serial', oldSerial]).out, /^Name: +r1 \(peer, revoked\)$/m);
});

test('renewal with the same key, then keyCompromise: every certificate of that key is revoked, under any name', (t) => {
  const dir = init(t);
  caOk(dir, ['create-node-certificate', '--name', 'n1', '--ip', '10.0.0.5']);
  copyFileSync(join(dir, 'n1.crt'), join(dir, 'n1-first.crt'));
  caOk(dir, ['renew', 'n1']);
  caOk(dir, ['renew', 'n1']);
  // The same key signed from outside under another name.
  const csr = join(dir, 'n1-again.csr');
  if (!needs('openssl', 'openssl')) {
    run('openssl', ['req', '-new', '-key', join(dir, 'n1.key'), '-subj', '/CN=n1-again', '-out', csr]);
    caOk(dir, ['sign', '--csr', csr, '--out', 'alias.crt', 'alias']);
  }
  const r = caOk(dir, ['revoke', '--reason', 'keyCompromise', '--json', 'n1']);
  const out = JSON.parse(r.out);
  assert.equal(out.status, 'revoked');
  const expected = needs('openssl', 'openssl') ? 2 : 3;
  assert.equal(out.sameKey.length, expected, 'the two older n1 certificates and the alias');
  assert.ok(out.sameKey.every((e) => e.status === 'revoked' && e.revocationReason === 'keyCompromise'));
  assert.match(ca(dir, ['verify', 'n1-first.crt']).out, /it has been revoked/);
  assert.match(ca(dir, ['revoke', '--all', 'n1']).stderr, /every certificate of n1 is already revoked or expired/);
});

test('revoke --all: every unexpired certificate of a name', (t) => {
  const dir = init(t);
  caOk(dir, ['create-api-certificate', 'bob']);
  caOk(dir, ['create-api-certificate', '--force', 'bob']);
  caOk(dir, ['renew', '--new-key', 'bob']);
  const out = JSON.parse(caOk(dir, ['revoke', '--all', '--json', 'bob']).out);
  assert.equal(out.revoked.length, 3);
  assert.deepEqual(index(dir).certificates.filter((e) => e.name === 'bob').map((e) => e.status), ['revoked', 'revoked', 'revoked']);
  assert.match(ca(dir, ['revoke', '--all', 'bob']).stderr, /every certificate of bob is already revoked or expired/);
});

test('new-cert --force over a signed name: the store keeps the certificate in force with its own key until the request is signed', async (t) => {
  const dir = init(t);
  caOk(dir, ['new-cert', '--ip', '10.0.0.22', 'docker1']);
  caOk(dir, ['sign', 'docker1']);
  const firstKey = publicOf(readFileSync(store(dir, 'keys/docker1.key')));
  caOk(dir, ['new-cert', '--force', '--ip', '10.0.0.23', 'docker1']);
  assert.equal(publicOf(readFileSync(store(dir, 'keys/docker1.key'))), firstKey, 'keys/docker1.key is still the key in force');

  const tar = ca(dir, ['export', 'docker1']);
  assert.equal(tar.status, 0, tar.stderr);
  assert.match(tar.stderr, /a newer request for docker1 is pending; this is the certificate in force/);
  const entries = Object.fromEntries((await readTar(tar.stdout)).map((e) => [e.name, e.data.toString()]));
  assert.equal(publicOf(entries['docker1.key']), publicOf(entries['docker1.crt']), 'tar: the key matches the certificate');
  const pem = caOk(dir, ['export', '--format', 'pem', 'docker1']).out;
  const [cert] = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/);
  const key = pem.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/)[0];
  assert.equal(publicOf(key), publicOf(cert), 'pem: the key matches the certificate');
  if (!needs('openssl', 'openssl')) {
    caOk(dir, ['export', '--format', 'p12', '--out', 'd.p12', 'docker1'], { env: { CA_P12_PASSWORD: 'p12-pass' } });
    const p = run('openssl', ['pkcs12', '-in', join(dir, 'd.p12'), '-nodes', '-passin', 'pass:p12-pass']);
    assert.equal(p.status, 0, p.stderr);
    const pkey = p.stdout.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/)[0];
    const pcert = p.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/)[0];
    assert.equal(publicOf(pkey), publicOf(pcert), 'p12: the key matches the certificate');
  }

  // Renewing now renews what is in force, with its key; the newer request stays pending.
  const renewed = caOk(dir, ['renew', 'docker1']);
  assert.match(renewed.stderr, /a newer request for docker1 is still pending: `ca sign docker1` issues it/);
  assert.equal(publicOf(readFileSync(store(dir, 'certs/docker1.crt'))), firstKey);
  assert.equal(index(dir).requests.length, 1);

  // Signing the request brings its key and its names into force together.
  caOk(dir, ['sign', 'docker1']);
  const now = readFileSync(store(dir, 'certs/docker1.crt'));
  assert.equal(publicOf(readFileSync(store(dir, 'keys/docker1.key'))), publicOf(now));
  assert.notEqual(publicOf(now), firstKey);
  assert.equal(new X509Certificate(now).subjectAltName, 'IP Address:10.0.0.23');
  assert.deepEqual(index(dir).certificates.filter((e) => e.name === 'docker1').map((e) => e.status), ['superseded', 'superseded', 'valid']);
});

test('of four concurrent `ca sign` on one request, exactly one issues; the others say it is already signed', async (t) => {
  const dir = init(t);
  for (let round = 0; round < 3; round++) {
    caOk(dir, ['new-cert', '--force', '--ip', '10.0.0.9', 'dup']);
    const results = await Promise.all(Array.from({ length: 4 }, () => caAsync(dir, ['sign', 'dup'])));
    assert.equal(results.filter((r) => r.status === 0).length, 1, results.map((r) => r.stderr).join(''));
    for (const r of results.filter((x) => x.status !== 0)) assert.match(r.stderr, /dup is already signed/);
  }
  assert.deepEqual(index(dir).certificates.filter((e) => e.name === 'dup').map((e) => e.status), ['superseded', 'superseded', 'valid']);
});

test('ca renew ca: same key and subject, new serial; what the CA issued keeps verifying', { skip: needs('openssl', 'openssl') }, (t) => {
  const dir = init(t);
  caOk(dir, ['create-node-certificate', '--name', 'n1', '--ip', '10.0.0.1']);
  copyFileSync(store(dir, 'ca.crt'), join(dir, 'ca-old.crt'));
  const r = caOk(dir, ['renew', '--json', 'ca']);
  const entry = JSON.parse(r.out);
  const oldCa = new X509Certificate(readFileSync(join(dir, 'ca-old.crt')));
  const newCa = new X509Certificate(readFileSync(store(dir, 'ca.crt')));
  assert.equal(entry.serial, newCa.serialNumber.toLowerCase());
  assert.notEqual(newCa.serialNumber, oldCa.serialNumber);
  assert.equal(newCa.subject, oldCa.subject);
  assert.ok(newCa.publicKey.equals(oldCa.publicKey));
  assert.deepEqual(index(dir).certificates.filter((e) => e.name === 'ca').map((e) => e.status), ['superseded', 'valid']);
  for (const anchor of ['ca-old.crt', '.ca/ca.crt']) {
    const v = run('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', join(dir, anchor), join(dir, 'n1.crt')]);
    assert.equal(v.status, 0, `${anchor}: ${v.stderr}`);
  }
  caOk(dir, ['create-api-certificate', 'after']);
  const v = run('openssl', ['verify', '-x509_strict', '-CAfile', join(dir, 'ca-old.crt'), join(dir, 'after.crt')]);
  assert.equal(v.status, 0, 'a certificate issued after the renewal verifies against the old ca.crt too');
  assert.equal(ca(dir, ['renew', '--years', '11', 'ca']).status, 2, 'never beyond the configured years');
  assert.match(ca(dir, ['renew', '--years', '11', 'ca']).stderr, /the CA is configured for 10 years; a renewal cannot ask for more/);
});

/** A CA certificate made outside the CLI from the store's own key (an expired one, or a leaf). */
async function replaceCaCertificate(dir, { profile, notBefore, days }) {
  const { buildCertificate } = await import('../../dist/pki/certificate.js');
  const { computeValidity } = await import('../../dist/pki/validity.js');
  const { loadProfile } = await import('../../dist/store/profiles.js');
  const { noAltNames } = await import('../../dist/pki/san.js');
  const old = new X509Certificate(readFileSync(store(dir, 'ca.crt')));
  const key = createPrivateKey(readFileSync(store(dir, 'ca.key')));
  const cn = old.subject.split('\n').find((l) => l.startsWith('CN=')).slice(3);
  const ou = old.subject.split('\n').find((l) => l.startsWith('OU=')).slice(3);
  writeFileSync(
    store(dir, 'ca.crt'),
    buildCertificate({
      subject: { commonName: cn, organizationalUnit: ou },
      publicKey: key,
      serial: '0badca',
      validity: computeValidity(notBefore, { days }),
      profile: await loadProfile(profile),
      altNames: noAltNames(),
      selfKey: key,
      pathLength: 0,
    }),
  );
}

test('an expired CA refuses to sign and says to renew it; `ca renew ca` brings it back with the same key', async (t) => {
  const dir = init(t);
  caOk(dir, ['new-cert', '--ip', '10.0.0.1', 'late']);
  await replaceCaCertificate(dir, { profile: 'ca', notBefore: new Date(Date.now() - 400 * 86_400_000), days: 365 });
  const refused = ca(dir, ['sign', 'late']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /the CA certificate expired on .*; renew it with `ca renew ca`/);
  assert.equal(ca(dir, ['create-api-certificate', 'x']).status, 1);
  caOk(dir, ['renew', 'ca']);
  caOk(dir, ['sign', 'late']);
  const leaf = new X509Certificate(readFileSync(store(dir, 'certs/late.crt')));
  assert.ok(new Date(leaf.validTo) > new Date(leaf.validFrom), 'notAfter after notBefore');
  assert.equal(ca(dir, ['verify', store(dir, 'certs/late.crt')]).status, 0);
});

test('a certificate that is not a CA, put in place of ca.crt, signs nothing', async (t) => {
  const dir = init(t);
  await replaceCaCertificate(dir, { profile: 'server', notBefore: new Date(), days: 30 });
  const r = ca(dir, ['create-api-certificate', 'x']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ca\.crt is not a CA certificate \(no basicConstraints CA:TRUE with keyCertSign\); restore the CA certificate from a backup/);
  assert.equal(index(dir).certificates.length, 1);
});

test("a request whose subject is the CA's own is refused, from a CSR and from the flags", { skip: needs('openssl', 'openssl') }, (t) => {
  const dir = init(t);
  const ou = new X509Certificate(readFileSync(store(dir, 'ca.crt'))).subject.match(/OU=(.*)/)[1];
  run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-subj', '/CN=identity-ca', '-out', join(dir, 'same.csr')]);
  const r = ca(dir, ['sign', '--csr', 'same.csr', 'same']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`the subject CN=identity-ca, OU=${ou} is the CA's own`));
  const flags = ca(dir, ['new-cert', '--common-name', 'IDENTITY-CA', 'same']);
  assert.equal(flags.status, 2);
  assert.match(flags.stderr, /is the CA's own; give the certificate another common name/);
  assert.equal(index(dir).certificates.length, 1);
});
