// Golden DER per key type (SPEC "Keys and signatures"): the signature algorithm follows the CA key
// (with NULL parameters for RSA only), keyUsage follows the leaf key, and the SubjectPublicKeyInfo
// is exactly the one OpenSSL exports. Also the key flags' rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import forge from 'node-forge';
import { buildCertificate } from '../../dist/pki/certificate.js';
import { parseCertificate } from '../../dist/pki/x509.js';
import { buildCrl } from '../../dist/pki/crl.js';
import { parseKeyChoice, resolveKeySpec } from '../../dist/pki/key-type.js';
import { computeValidity } from '../../dist/pki/validity.js';
import { noAltNames, parseAltNames } from '../../dist/pki/san.js';
import { loadProfile } from '../../dist/store/profiles.js';
import { CaError } from '../../dist/error.js';
import { rsaKey } from '../helpers/keys.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const KEYS = {
  rsa: rsaKey(2048, 0),
  p256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
  ed25519: generateKeyPairSync('ed25519').privateKey,
};
/** AlgorithmIdentifier DER of the signature each CA key makes. */
const SIGNATURE_ALGORITHM = {
  rsa: '300d06092a864886f70d01010b0500', // sha256WithRSAEncryption, NULL
  p256: '300a06082a8648ce3d040302', // ecdsa-with-SHA256, no parameters
  p384: '300a06082a8648ce3d040303', // ecdsa-with-SHA384
  ed25519: '300506032b6570', // Ed25519
};
/** keyUsage extnValue for a peer certificate of each leaf key. */
const LEAF_KEY_USAGE = { rsa: '030205a0', p256: '03020780', p384: '03020780', ed25519: '03020780' };

const hex = (b) => Buffer.from(b).toString('hex');
const der = (pem) => Buffer.from(new X509Certificate(pem).raw);
/** The certificate's three top-level parts: TBS, signatureAlgorithm, signature, as forge reads them. */
function parts(pem) {
  const node = forge.asn1.fromDer(der(pem).toString('binary'));
  return node.value.map((n) => Buffer.from(forge.asn1.toDer(n).getBytes(), 'binary'));
}
/** An extension's extnValue, hex. */
function extension(pem, oid) {
  const tbs = forge.asn1.fromDer(der(pem).toString('binary')).value[0];
  const exts = tbs.value.find((n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 3).value[0].value;
  const ext = exts.find((e) => forge.asn1.derToOid(e.value[0].value) === oid);
  return hex(Buffer.from(ext.value[ext.value.length - 1].value, 'binary'));
}

async function pair(caType, leafType) {
  const caPem = buildCertificate({
    subject: { commonName: `${caType} CA` },
    publicKey: KEYS[caType],
    serial: '0102',
    validity: computeValidity(NOW, { years: 10 }),
    profile: await loadProfile('ca'),
    altNames: noAltNames(),
    selfKey: KEYS[caType],
    pathLength: 0,
  });
  const leafPem = buildCertificate({
    subject: { commonName: 'leaf' },
    publicKey: KEYS[leafType],
    serial: '0304',
    validity: computeValidity(NOW, { days: 90 }),
    profile: await loadProfile('peer'),
    altNames: parseAltNames({ domains: ['leaf.example'] }),
    issuer: { certificate: parseCertificate(caPem), key: KEYS[caType] },
  });
  return { caPem, leafPem };
}

for (const caType of Object.keys(KEYS)) {
  for (const leafType of Object.keys(KEYS)) {
    test(`a ${leafType} leaf from a ${caType} CA: signature algorithm, keyUsage, SPKI`, async () => {
      const { caPem, leafPem } = await pair(caType, leafType);
      const [tbs, algorithm] = parts(leafPem);
      assert.equal(hex(algorithm), SIGNATURE_ALGORITHM[caType], 'outer signatureAlgorithm');
      assert.ok(hex(tbs).includes(SIGNATURE_ALGORITHM[caType]), 'the TBS names the same algorithm (RFC 5280 4.1.1.2)');
      assert.equal(extension(leafPem, '2.5.29.15'), LEAF_KEY_USAGE[leafType]);
      assert.equal(extension(caPem, '2.5.29.15'), '03020106', 'keyCertSign, cRLSign for every CA key');
      const spki = createPublicKey(KEYS[leafType]).export({ type: 'spki', format: 'der' });
      assert.ok(der(leafPem).includes(spki), 'the SPKI as OpenSSL exports it');
      const leaf = new X509Certificate(leafPem);
      assert.ok(leaf.verify(createPublicKey(KEYS[caType])), 'signed by the CA key');
      assert.ok(leaf.checkIssued(new X509Certificate(caPem)));
    });
  }
}

test('CRLs are signed with the CA key of every type', async () => {
  for (const caType of Object.keys(KEYS)) {
    const { caPem } = await pair(caType, caType);
    const { der: crl } = buildCrl({ caCertificatePem: caPem, caKey: KEYS[caType], revoked: [{ serial: '0304', revokedAt: NOW, reason: 'keyCompromise' }], number: 1, thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + 86_400_000) });
    const [tbsNode, algorithmNode, signatureNode] = forge.asn1.fromDer(crl.toString('binary'), { decodeBitStrings: false }).value;
    const bytes = (n) => Buffer.from(forge.asn1.toDer(n).getBytes(), 'binary');
    assert.equal(hex(bytes(algorithmNode)), SIGNATURE_ALGORITHM[caType]);
    const hash = { rsa: 'sha256', p256: 'sha256', p384: 'sha384', ed25519: null }[caType];
    const signature = Buffer.from(signatureNode.value, 'binary').subarray(1); // after the unused-bits octet
    assert.ok(verify(hash, bytes(tbsNode), createPublicKey(KEYS[caType]), signature), caType);
  }
});

test('key flags: each names a known value, and they fit together', () => {
  const usage = (re) => (e) => e instanceof CaError && e.kind === 'usage' && re.test(e.message);
  assert.deepEqual(parseKeyChoice({ keyType: 'ECDSA', curve: 'p-384' }), { type: 'ecdsa', curve: 'P-384' });
  assert.throws(() => parseKeyChoice({ keyType: 'dsa' }), usage(/unknown key type "dsa"/));
  assert.throws(() => parseKeyChoice({ keyType: 'ecdsa', curve: 'P-521' }), usage(/unknown curve "P-521"/));
  assert.throws(() => parseKeyChoice({ keyType: 'rsa', curve: 'P-256' }), usage(/--curve goes with --key-type ecdsa, not rsa/));
  assert.throws(() => parseKeyChoice({ keyType: 'ecdsa', keyBits: '2048' }), usage(/--key-bits is for RSA keys, not ecdsa/));
  assert.throws(() => parseKeyChoice({ keyType: 'ed25519', keyBits: '4096' }), usage(/--key-bits is for RSA keys, not ed25519/));
  assert.throws(() => parseKeyChoice({ keyBits: '1024' }), usage(/invalid key size "1024"/));
});

test('the store default applies unless the flags choose: RSA CA 4096, leaves 2048', () => {
  assert.deepEqual(resolveKeySpec({}, undefined, 4096), { type: 'rsa', bits: 4096 });
  assert.deepEqual(resolveKeySpec({}, undefined, 2048), { type: 'rsa', bits: 2048 });
  assert.deepEqual(resolveKeySpec({}, { type: 'ecdsa', curve: 'P-384' }, 2048), { type: 'ecdsa', curve: 'P-384' });
  assert.deepEqual(resolveKeySpec({}, { type: 'ed25519' }, 2048), { type: 'ed25519' });
  assert.deepEqual(resolveKeySpec({ type: 'rsa' }, { type: 'ecdsa', curve: 'P-256' }, 2048), { type: 'rsa', bits: 2048 });
  assert.deepEqual(resolveKeySpec({ curve: 'P-384' }, undefined, 2048), { type: 'ecdsa', curve: 'P-384' }, 'a curve alone asks for ECDSA');
  assert.deepEqual(resolveKeySpec({ bits: 3072 }, { type: 'ed25519' }, 2048), { type: 'rsa', bits: 3072 }, 'a size alone asks for RSA');
});
