// The signing policy for requests from outside (SPEC "Signing external CSRs").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import forge from 'node-forge';
import { buildRequest, readRequest } from '../../dist/pki/csr.js';
import { parseAltNames } from '../../dist/pki/san.js';
import { CaError } from '../../dist/error.js';
import { rsaKey } from '../helpers/keys.js';

const key = rsaKey(2048, 2);
const failure = (pattern) => (err) => err instanceof CaError && pattern.test(err.message);

/** A request built with forge and signed natively, with whatever extensions a test wants. */
function request({ extensions = [], subject = [{ shortName: 'CN', value: 'web' }], signingKey = key } = {}) {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(createPublicKey(signingKey).export({ type: 'spki', format: 'pem' }));
  csr.setSubject(subject);
  if (extensions.length) csr.setAttributes([{ name: 'extensionRequest', extensions }]);
  csr.signatureOid = csr.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption;
  const info = forge.pki.getCertificationRequestInfo(csr);
  csr.signature = sign('sha256', Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary'), signingKey).toString('binary');
  csr.certificationRequestInfo = info;
  return forge.pki.certificationRequestToPem(csr);
}

test('our own requests round-trip: subject, DNS and IP SANs, key', () => {
  const pem = buildRequest({
    subject: { commonName: 'etcd1', organization: 'Acme', organizationalUnit: 'x', country: 'DE' },
    altNames: parseAltNames({ domains: ['etcd1.local'], ips: ['10.0.0.1', 'fd00::1'] }),
    key,
  });
  const info = readRequest(pem, 'etcd1.csr');
  assert.deepEqual(info.subject, { commonName: 'etcd1', organization: 'Acme', country: 'DE' });
  assert.deepEqual(info.altNames.dns, ['etcd1.local']);
  assert.deepEqual(info.altNames.ips.map((i) => i.text), ['10.0.0.1', 'fd00::1']);
  assert.equal(info.keyBits, 2048);
  assert.ok(info.publicKey.equals(createPublicKey(key)));
});

test('DER requests are accepted as well as PEM', () => {
  const pem = request();
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  assert.equal(readRequest(der, 'web.der').subject.commonName, 'web');
  assert.match(readRequest(der, 'web.der').pem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
});

test('a request asking for CA:TRUE is refused by name', () => {
  const pem = request({ extensions: [{ name: 'basicConstraints', cA: true, critical: true }] });
  assert.throws(() => readRequest(pem, 'evil.csr'), failure(/CA:TRUE/));
});

test('an unknown critical extension is refused, naming its OID; a non-critical one is ignored', () => {
  const value = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.NULL, false, '');
  const critical = request({ extensions: [{ id: '1.2.3.4.5', critical: true, value }] });
  assert.throws(() => readRequest(critical, 'x.csr'), failure(/unknown critical extension .*1\.2\.3\.4\.5/));
  const plain = request({ extensions: [{ id: '1.2.3.4.5', critical: false, value }] });
  assert.equal(readRequest(plain, 'x.csr').subject.commonName, 'web');
});

test('keyUsage and extKeyUsage in the request are not taken; e-mail and URI SANs are; others are reported as ignored', () => {
  const pem = request({
    extensions: [
      { name: 'keyUsage', critical: true, keyCertSign: true },
      { name: 'extKeyUsage', codeSigning: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'web.example' },
          { type: 1, value: 'ops@b.example' },
          { type: 6, value: 'spiffe://cluster.local/ns/web/sa/api' },
          { type: 8, value: '1.2.3.4' },
        ],
      },
    ],
  });
  const info = readRequest(pem, 'x.csr');
  assert.deepEqual(info.altNames.dns, ['web.example']);
  assert.deepEqual(info.altNames.emails, ['ops@b.example']);
  assert.deepEqual(info.altNames.uris, ['spiffe://cluster.local/ns/web/sa/api']);
  assert.deepEqual(info.ignored, ['registeredID']);
  assert.deepEqual(Object.keys(info).sort(), ['altNames', 'ignored', 'keyBits', 'kind', 'pem', 'publicKey', 'subject']);
});

test('a tampered signature and a tampered body are both refused (forge throws for one, returns false for the other)', () => {
  const pem = request();
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const badSig = Buffer.from(der);
  badSig[badSig.length - 5] ^= 0xff;
  assert.throws(() => readRequest(badSig, 'x.csr'), failure(/does not verify/));
  const badBody = Buffer.from(der);
  const cn = badBody.indexOf(Buffer.from('web'));
  badBody[cn] = 'x'.charCodeAt(0);
  assert.throws(() => readRequest(badBody, 'x.csr'), failure(/does not verify/));
});

test('weak and non-RSA keys are refused by name', () => {
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  assert.throws(() => readRequest(request({ signingKey: weak }), 'weak.csr'), failure(/1024-bit RSA key; at least 2048/));
});

test('garbage, empty input and other PEM blocks are our own error, never a crash', () => {
  assert.throws(() => readRequest('', 'e.csr'), (e) => e instanceof CaError);
  assert.throws(() => readRequest(Buffer.from('hello world'), 'g.csr'), (e) => e instanceof CaError);
  assert.throws(() => readRequest('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'c.pem'), failure(/found: CERTIFICATE/));
});
