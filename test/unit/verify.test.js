// verifyCertificate with a fixed clock: each reason a certificate is not valid, named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { buildCertificate } from '../../dist/pki/certificate.js';
import { parseCertificate } from '../../dist/pki/x509.js';
import { verifyCertificate } from '../../dist/pki/verify.js';
import { computeValidity } from '../../dist/pki/validity.js';
import { noAltNames, parseAltNames } from '../../dist/pki/san.js';
import { loadProfile } from '../../dist/store/profiles.js';
import { rsaKey } from '../helpers/keys.js';

const ISSUED = new Date('2026-01-01T00:00:00Z');
const caKey = rsaKey(2048, 0);
const otherKey = rsaKey(2048, 2);

async function ca(key, name) {
  return new X509Certificate(buildCertificate({
    subject: { commonName: name }, publicKey: key, serial: '01', validity: computeValidity(ISSUED, { years: 10 }),
    profile: await loadProfile('ca'), altNames: noAltNames(), selfKey: key, pathLength: 0,
  }));
}

async function leaf(caCert, key, profile = 'server', days = 90) {
  return new X509Certificate(buildCertificate({
    subject: { commonName: 'web' }, publicKey: rsaKey(2048, 1), serial: '7a0000000000000000000000000000b1',
    validity: computeValidity(ISSUED, { days }), profile: await loadProfile(profile),
    altNames: parseAltNames({ domains: ['web.example', '*.apps.example'], ips: ['10.0.0.1'] }), issuer: { certificate: parseCertificate(caCert.toString()), key },
  }));
}

const at = (iso) => new Date(iso);
const none = new Set();

test('a good certificate, its host and its usage: valid', async () => {
  const c = await ca(caKey, 'CA');
  const l = await leaf(c, caKey);
  for (const host of ['web.example', 'x.apps.example', '10.0.0.1']) {
    assert.deepEqual(verifyCertificate({ certificate: l, ca: c, now: at('2026-02-01T00:00:00Z'), revoked: none, host, usage: 'server' }), { valid: true, problems: [] });
  }
});

test('expired, and not yet valid, by the clock given', async () => {
  const c = await ca(caKey, 'CA');
  const l = await leaf(c, caKey, 'server', 30);
  assert.deepEqual(verifyCertificate({ certificate: l, ca: c, now: at('2026-03-01T00:00:00Z'), revoked: none }).problems, ['it expired on 2026-01-31T00:00:00.000Z']);
  assert.deepEqual(verifyCertificate({ certificate: l, ca: c, now: at('2025-12-31T00:00:00Z'), revoked: none }).problems, ['it is not valid before 2025-12-31T23:55:00.000Z']);
});

test('revoked, wrong host, wrong usage, another CA', async () => {
  const c = await ca(caKey, 'CA');
  const l = await leaf(c, caKey, 'client');
  const now = at('2026-02-01T00:00:00Z');
  assert.deepEqual(verifyCertificate({ certificate: l, ca: c, now, revoked: new Set(['7a0000000000000000000000000000b1']) }).problems, ['it has been revoked']);
  const r = verifyCertificate({ certificate: l, ca: c, now, revoked: none, host: 'other.example', usage: 'server' });
  assert.equal(r.valid, false);
  assert.deepEqual(r.problems, [
    'it is not for server use (no serverAuth in its extended key usage)',
    'it does not name other.example (its SANs: DNS:web.example, DNS:*.apps.example, IP:10.0.0.1)',
  ]);
  assert.equal(verifyCertificate({ certificate: l, ca: c, now, revoked: none, host: 'a.b.apps.example' }).valid, false, 'a wildcard covers one label');
  const foreign = await ca(otherKey, 'CA');
  assert.deepEqual(verifyCertificate({ certificate: l, ca: foreign, now, revoked: none }).problems, [
    "it was not issued by this store's CA (the signature does not verify against ca.crt)",
  ]);
});
