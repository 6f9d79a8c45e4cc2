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
