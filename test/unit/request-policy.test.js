// What a CSR may put in a certificate (SPEC, second wave): subjects decoded by their string type and
// checked as the flags are; SANs through the flags' rules; keys bounded before any arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readRequest } from '../../dist/pki/csr.js';
import { CaError } from '../../dist/error.js';
import { rsaKey } from '../helpers/keys.js';
import { craftRequest, rsaSpki } from '../helpers/csr.js';

const key = rsaKey(2048, 2);
const refused = (pattern) => (err) => err instanceof CaError && pattern.test(`${err.message}; ${err.hint ?? ''}`);
const ipv4 = (a) => Buffer.from(a.split('.').map(Number));
const spkiOf = (k) => createPublicKey(k).export({ type: 'spki', format: 'der' });

test('every DirectoryString type is decoded by its own rules', () => {
  const cases = [
    ['utf8', 'Jörg Müller'],
    ['bmp', 'Jörg'],
    ['universal', 'Jörg 🔐'],
    ['teletex', 'Jörg'],
    ['printable', 'Acme Ltd.'],
  ];
  for (const [type, text] of cases) {
    const info = readRequest(craftRequest({ subject: [['O', type, text], ['CN', type, text]], key }), `${type}.csr`);
    assert.equal(info.subject.commonName, text, type);
    assert.equal(info.subject.organization, text, type);
  }
});

test('subjects the flags would refuse are refused from a request too', () => {
  const cases = [
    [[['CN', 'utf8', 'x'.repeat(65)]], /invalid common name/],
    [[['CN', 'utf8', 'x'.repeat(5000)]], /invalid common name/],
    [[['CN', 'utf8', 'web'], ['O', 'utf8', 'o'.repeat(82)]], /invalid organization/],
    [[['CN', 'utf8', 'evil.example.com\0.attacker.net']], /invalid common name/],
    [[['CN', 'utf8', 'red\x1b[31mtext']], /invalid common name/],
    [[['CN', 'utf8', 'two\nlines']], /invalid common name/],
    [[['CN', 'utf8', 'c1\u009bcontrol']], /invalid common name/],
    [[['CN', 'utf8', 'a'], ['CN', 'utf8', 'b']], /2 CN attributes/],
    [[['CN', 'utf8', Buffer.from([0xc3, 0x28])]], /not valid text/],
    [[['CN', 'bmp', Buffer.from([0xd8, 0x00])]], /not valid text|surrogate/],
    [[['CN', 'printable', Buffer.from('caf\xe9', 'latin1')]], /ASCII only/],
  ];
  for (const [subject, why] of cases) {
    assert.throws(() => readRequest(craftRequest({ subject, key }), 'x.csr'), refused(why), JSON.stringify(subject));
  }
  // 64 characters is the bound, counted in characters, not bytes or UTF-16 units.
  assert.equal(readRequest(craftRequest({ subject: [['CN', 'utf8', '🔐'.repeat(64)]], key }), 'x.csr').subject.commonName, '🔐'.repeat(64));
});

test('SANs from a request: duplicates dropped, IPv4-mapped addresses become IPv4', () => {
  const mapped = Buffer.concat([Buffer.alloc(10), Buffer.from([0xff, 0xff]), ipv4('10.0.0.1')]);
  const info = readRequest(
    craftRequest({ key, sans: [[2, 'web.example'], [2, 'WEB.example'], [7, ipv4('10.0.0.1')], [7, mapped], [7, ipv4('10.0.0.2')]] }),
    'x.csr',
  );
  assert.deepEqual(info.altNames.dns, ['web.example']);
  assert.deepEqual(info.altNames.ips.map((i) => i.text), ['10.0.0.1', '10.0.0.2']);
  assert.deepEqual(info.altNames.ips.map((i) => i.bytes.length), [4, 4]);
});

test('SANs the flags would refuse are refused from a request too', () => {
  const cyrillic = Buffer.from('pаypal.com', 'utf8'); // a Cyrillic а
  const cases = [
    [[[2, cyrillic]], /outside ASCII/],
    [[[2, '1.2.3.4']], /is an IP address, not a DNS name/],
    [[[2, '*.com']], /at least two labels/],
    [[[2, '*.example']], /at least two labels/],
    [[[2, '*.co.uk']], /public suffix/],
    [[[7, ipv4('0.0.0.0')]], /unspecified address/],
    [[[7, Buffer.alloc(16)]], /unspecified address/],
    [[[7, ipv4('255.255.255.255')]], /broadcast address/],
    [[[7, Buffer.alloc(5)]], /5 bytes/],
    [[[6, 'no-scheme']], /no scheme/],
    [[[6, 'spiffe://a b']], /spaces/],
    [[[1, 'not-an-address']], /local part and a domain/],
    [Array.from({ length: 101 }, (_, i) => [2, `n${i}.example.com`]), /101 subject alternative names are too many/],
  ];
  for (const [sans, why] of cases) {
    assert.throws(() => readRequest(craftRequest({ key, sans }), 'x.csr'), refused(why), String(why));
  }
  assert.deepEqual(readRequest(craftRequest({ key, sans: [[2, 'xn--bcher-kva.example'], [2, '*.example.co.uk']] }), 'x.csr').altNames.dns, [
    'xn--bcher-kva.example',
    '*.example.co.uk',
  ]);
});

test('RSA keys: 2048-8192 bits, an odd exponent from 65537 to 2^32-1, checked before the signature', () => {
  const modulus = (bits) => {
    const m = randomBytes(bits / 8);
    m[0] |= 0x80;
    m[m.length - 1] |= 1;
    return m;
  };
  const e = (hex) => Buffer.from(hex, 'hex');
  const cases = [
    [rsaSpki(modulus(2048), e('01')), /unusable public exponent/],
    [rsaSpki(modulus(2048), e('03')), /unusable public exponent/],
    [rsaSpki(modulus(2048), e('010000')), /unusable public exponent/],
    [rsaSpki(modulus(2048), e('0100000001')), /unusable public exponent/],
    [rsaSpki(modulus(1024), e('010001')), /1024-bit RSA key; at least 2048/],
    [rsaSpki(modulus(16384), e('010001')), /16384-bit RSA key; at most 8192/],
    [rsaSpki(modulus(8192), randomBytes(1024)), /unusable public exponent/],
  ];
  for (const [spki, why] of cases) {
    const started = process.hrtime.bigint();
    assert.throws(() => readRequest(craftRequest({ key, spki, junkSignature: true }), 'x.csr'), refused(why), String(why));
    // Refused by size, not after arithmetic: well under a second even on a slow machine.
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 1000, `${why} took too long`);
  }
});

test('ECDSA P-256 and P-384 and Ed25519 requests are verified natively and accepted; other curves are refused', () => {
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  const ed = generateKeyPairSync('ed25519').privateKey;
  assert.equal(readRequest(craftRequest({ key: p256, algorithm: 'ec256' }), 'a.csr').kind.label, 'ECDSA P-256');
  assert.equal(readRequest(craftRequest({ key: p384, algorithm: 'ec384' }), 'b.csr').kind.label, 'ECDSA P-384');
  assert.equal(readRequest(craftRequest({ key: ed, algorithm: 'ed25519' }), 'c.csr').kind.label, 'Ed25519');
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey;
  assert.throws(() => readRequest(craftRequest({ key: k1, algorithm: 'ec256' }), 'd.csr'), refused(/unsupported curve/));
  const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey;
  assert.throws(() => readRequest(craftRequest({ key: p521, algorithm: 'ec256' }), 'e.csr'), refused(/unsupported curve/));
  // An RSA signature algorithm over an EC key, and a signature by another key.
  assert.throws(() => readRequest(craftRequest({ key: p256, algorithm: 'ec256', spki: spkiOf(key) }), 'f.csr'), refused(/does not fit|does not verify/));
  assert.throws(() => readRequest(craftRequest({ key: p256, algorithm: 'ec256', spki: spkiOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) }), 'g.csr'), refused(/does not verify/));
});

test('an input over 64 KiB is refused before it is parsed', () => {
  assert.throws(() => readRequest(Buffer.alloc(64 * 1024 + 1, 0x30), 'big.csr'), refused(/larger than 64 KiB/));
});
