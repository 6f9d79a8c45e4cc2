import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePrivateKey, encodePrivateKey, isEncryptedPem, parseKeyBits } from '../../dist/pki/key.js';
import { CaError } from '../../dist/error.js';
import { rsaKey } from '../helpers/keys.js';

const key = rsaKey(2048, 0);

test('with a passphrase, keys are PKCS#8 PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)', () => {
  const pem = encodePrivateKey(key, 'pässwörd');
  assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
  assert.ok(isEncryptedPem(pem));
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  // OIDs inside the AlgorithmIdentifier: PBES2, PBKDF2, hmacWithSHA256, aes256-CBC
  for (const oid of ['2a864886f70d01050d', '2a864886f70d01050c', '2a864886f70d0209', '60864801650304012a']) {
    assert.ok(der.toString('hex').includes(`06${(oid.length / 2).toString(16).padStart(2, '0')}${oid}`), `OID ${oid}`);
  }
  assert.ok(decodePrivateKey(pem, 'pässwörd', 'k', '--passphrase').equals(key));
});

test('an empty passphrase means unencrypted, not encrypted with ""', () => {
  const pem = encodePrivateKey(key, '');
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);
  assert.ok(!isEncryptedPem(pem));
});

test('a missing or wrong passphrase is a clear failure naming the key and the flag', () => {
  const pem = encodePrivateKey(key, 'right');
  assert.throws(
    () => decodePrivateKey(pem, undefined, 'the CA key', '--ca-passphrase'),
    (e) => e instanceof CaError && e.message === 'the CA key is encrypted and no passphrase was given' && /--ca-passphrase/.test(e.hint),
  );
  assert.throws(() => decodePrivateKey(pem, 'wrong', 'the CA key', '--ca-passphrase'), (e) => e instanceof CaError && /wrong passphrase for the CA key/.test(e.message));
});

test('key sizes: 2048, 3072, 4096 only', () => {
  assert.equal(parseKeyBits('4096'), 4096);
  for (const bad of ['1024', '2047', '8192', 'abc', '', undefined]) {
    assert.throws(() => parseKeyBits(bad), (e) => e instanceof CaError && e.kind === 'usage', String(bad));
  }
});

test('a request key in canonical form is opened from its coordinates and its SPKI kept as it came; anything else is opened from the DER', async () => {
  const { checkPublicKey } = await import('../../dist/pki/public-key.js');
  const { spkiDer } = await import('../../dist/pki/spki.js');
  const { generateKeyPairSync: gen } = await import('node:crypto');
  for (const [type, options] of [['ec', { namedCurve: 'P-256' }], ['ec', { namedCurve: 'P-384' }], ['ed25519', {}], ['rsa', { modulusLength: 2048 }]]) {
    const { publicKey } = gen(type, options);
    const der = publicKey.export({ type: 'spki', format: 'der' });
    const { key } = checkPublicKey(der, 'the request');
    assert.ok(key.equals(publicKey), `${type} ${options.namedCurve ?? ''}: the same key`);
    assert.deepEqual(spkiDer(key), der, `${type}: the SPKI is what OpenSSL writes`);
  }
  // A compressed point is valid but not in the canonical form checked: opened from the DER, its SPKI exported.
  const { publicKey } = gen('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x, 'base64url');
  const odd = Buffer.from(jwk.y, 'base64url').at(-1) & 1;
  const compressed = Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'), Buffer.from([2 + odd]), x]);
  const opened = checkPublicKey(compressed, 'the request').key;
  assert.ok(opened.equals(publicKey));
  assert.deepEqual(spkiDer(opened), opened.export({ type: 'spki', format: 'der' }));
  // A point off the curve is refused whichever way it is opened.
  const off = Buffer.from(publicKey.export({ type: 'spki', format: 'der' }));
  off[off.length - 1] ^= 1;
  assert.throws(() => checkPublicKey(off, 'the request'), /not valid/);
});
