// Golden tests: the exact DER of every extension each built-in profile produces (SPEC "Certificate
// profiles"), with a fixed clock and pre-made keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, createPublicKey } from 'node:crypto';
import forge from 'node-forge';
import { buildCertificate } from '../../dist/pki/certificate.js';
import { parseCertificate } from '../../dist/pki/x509.js';
import { computeValidity } from '../../dist/pki/validity.js';
import { noAltNames, parseAltNames } from '../../dist/pki/san.js';
import { loadProfile } from '../../dist/store/profiles.js';
import { rsaKey } from '../helpers/keys.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const CLUSTER = '11111111-2222-4333-8444-555555555555';
const caKey = rsaKey(2048, 0);
const leafKey = rsaKey(2048, 1);

const ski = (key) => createHash('sha1').update(createPublicKey(key).export({ type: 'pkcs1', format: 'der' })).digest('hex');
const hex = (s) => Buffer.from(s, 'binary').toString('hex');

function extensions(pem) {
  return forge.pki.certificateFromPem(pem).extensions.map((e) => ({ id: e.id, critical: Boolean(e.critical), value: hex(e.value) }));
}

async function makeCa(lifetime = { years: 10 }) {
  return buildCertificate({
    subject: { commonName: 'Test CA', organizationalUnit: CLUSTER },
    publicKey: caKey,
    serial: '0102030405060708090a0b0c0d0e0f10',
    validity: computeValidity(NOW, lifetime),
    profile: await loadProfile('ca'),
    altNames: noAltNames(),
    selfKey: caKey,
    pathLength: 0,
  });
}

async function makeLeaf(profileName, caPem, altNames = parseAltNames({ domains: ['localhost', '*.example.com'], ips: ['127.0.0.1', 'fd00::1'] })) {
  return buildCertificate({
    subject: { commonName: 'leaf', organizationalUnit: CLUSTER },
    publicKey: leafKey,
    serial: '7f0000000000000000000000000000aa',
    validity: computeValidity(NOW, { days: 825 }, new Date(new X509Certificate(caPem).validTo)),
    profile: await loadProfile(profileName),
    altNames,
    issuer: { certificate: parseCertificate(caPem), key: caKey },
  });
}

const SAN = '3032' + '8209' + Buffer.from('localhost').toString('hex') + '820d' + Buffer.from('*.example.com').toString('hex') +
  '87047f000001' + '8710fd000000000000000000000000000001';

test('ca profile: critical CA:TRUE pathlen 0, critical keyCertSign+cRLSign, SKI, no EKU, no AKI', async () => {
  const pem = await makeCa();
  assert.deepEqual(extensions(pem), [
    { id: '2.5.29.19', critical: true, value: '30060101ff020100' },
    { id: '2.5.29.15', critical: true, value: '03020106' },
    { id: '2.5.29.14', critical: false, value: `0414${ski(caKey)}` },
  ]);
  const x = new X509Certificate(pem);
  assert.ok(x.ca);
  assert.ok(x.verify(createPublicKey(caKey)), 'self-signed with its own key');
  assert.equal(x.subject, `OU=${CLUSTER}\nCN=Test CA`);
});

const LEAVES = {
  server: '300a06082b06010505070301',
  client: '300a06082b06010505070302',
  peer: '301406082b0601050507030106082b06010505070302',
};

for (const [profile, eku] of Object.entries(LEAVES)) {
  test(`${profile} profile: exact extensions, AKI = the CA's SKI, IPv6 and wildcard SANs`, async () => {
    const caPem = await makeCa();
    const pem = await makeLeaf(profile, caPem);
    assert.deepEqual(extensions(pem), [
      { id: '2.5.29.19', critical: true, value: '3000' },
      { id: '2.5.29.15', critical: true, value: '030205a0' },
      { id: '2.5.29.37', critical: false, value: eku },
      { id: '2.5.29.17', critical: false, value: SAN },
      { id: '2.5.29.14', critical: false, value: `0414${ski(leafKey)}` },
      { id: '2.5.29.35', critical: false, value: `30168014${ski(caKey)}` },
    ]);
    const x = new X509Certificate(pem);
    assert.ok(x.verify(createPublicKey(caKey)), 'signed by the CA key');
    assert.ok(x.checkIssued(new X509Certificate(caPem)));
    assert.equal(x.subjectAltName, 'DNS:localhost, DNS:*.example.com, IP Address:127.0.0.1, IP Address:FD00:0:0:0:0:0:0:1');
    assert.equal(x.serialNumber, '7F0000000000000000000000000000AA');
    assert.equal(forge.pki.certificateFromPem(pem).version, 2, 'X.509 v3');
    assert.ok(!pem.includes('\r'), 'PEM with LF line ends');
    assert.equal(new Date(x.validFrom).toISOString(), '2025-12-31T23:55:00.000Z');
  });
}

test('a leaf never outlives its CA', async () => {
  const caPem = await makeCa({ days: 30 });
  const leaf = new X509Certificate(await makeLeaf('peer', caPem));
  assert.equal(leaf.validTo, new X509Certificate(caPem).validTo);
});

test('signatures are sha256WithRSAEncryption', async () => {
  const pem = await makeLeaf('server', await makeCa());
  assert.equal(forge.pki.certificateFromPem(pem).signatureOid, '1.2.840.113549.1.1.11');
});
