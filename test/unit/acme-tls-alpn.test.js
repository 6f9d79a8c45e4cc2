// The tls-alpn-01 validation certificate (RFC 8737 3) as a peer could shape it: the acmeIdentifier
// extension is read as strict DER, and the SNI of an address is its reverse-DNS name (RFC 8738 6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { bitString, bool, context, encode, nullValue, octets, oid, raw, seq, smallInteger, time } from '../../dist/pki/der.js';
import { checkValidationCertificate, sniName } from '../../dist/ca/acme/tls-alpn.js';

const KEY_AUTHZ = 'token.thumbprint';
const digest = createHash('sha256').update(KEY_AUTHZ).digest();
const dnsName = (name) => Buffer.concat([Buffer.from([0x82, name.length]), Buffer.from(name)]);

/** A certificate's structure with the extensions given; the checker reads no signature, so none is made. */
function certificate(extensions) {
  const alg = seq([oid('1.2.840.10045.4.3.2')]);
  const name = seq([]);
  const validity = seq([time(new Date(0)), time(new Date(86_400_000))]);
  const spki = seq([seq([oid('1.2.840.10045.2.1'), nullValue()]), bitString(Buffer.alloc(4))]);
  const exts = extensions.map(([id, critical, value]) => seq([oid(id), ...(critical ? [bool(true)] : []), octets(value)]));
  const tbs = seq([context(0, [smallInteger(2)]), smallInteger(1), alg, name, validity, name, spki, context(3, [seq(exts)])]);
  return encode(seq([tbs, alg, bitString(Buffer.alloc(8))]));
}

const SAN = '2.5.29.17';
const ACME = '1.3.6.1.5.5.7.1.31';
const san = (...names) => encode(raw(Buffer.concat([Buffer.from([0x30, names.reduce((n, b) => n + b.length, 0)]), ...names])));
const id = { type: 'dns', value: 'a.example.test' };
const check = (der) => checkValidationCertificate(der, id, KEY_AUTHZ, 'a.example.test (127.0.0.1:443)');
const refusal = (type, detail) => (err) => err.type === type && detail.test(err.message);

test('the right certificate passes', () => {
  check(certificate([[SAN, false, san(dnsName('a.example.test'))], [ACME, true, encode(octets(digest))]]));
});

test('the extension value is strict DER: trailing bytes, a long-form length, or another type are unauthorized', () => {
  const good = encode(octets(digest));
  for (const value of [Buffer.concat([good, Buffer.from([0])]), Buffer.concat([Buffer.from([0x04, 0x81, 0x20]), digest]), Buffer.concat([Buffer.from([0x0c, 0x20]), digest])]) {
    assert.throws(() => check(certificate([[SAN, false, san(dnsName('a.example.test'))], [ACME, true, value]])), refusal('unauthorized', /not a DER OCTET STRING/), value.toString('hex'));
  }
  // The digest bare, not wrapped in an OCTET STRING, is what a careless client sends.
  assert.throws(() => check(certificate([[SAN, false, san(dnsName('a.example.test'))], [ACME, true, digest]])), refusal('unauthorized', /not a DER OCTET STRING/));
  assert.throws(() => check(certificate([[SAN, false, san(dnsName('a.example.test'))], [ACME, true, encode(octets(digest.subarray(0, 31)))]])), refusal('incorrectResponse', /not SHA-256/));
});

test('two acmeIdentifier or two subjectAltName extensions are unauthorized (RFC 5280 4.2)', () => {
  const ext = [ACME, true, encode(octets(digest))];
  assert.throws(() => check(certificate([[SAN, false, san(dnsName('a.example.test'))], ext, ext])), refusal('unauthorized', /2 acmeIdentifier/));
  assert.throws(() => check(certificate([[SAN, false, san(dnsName('a.example.test'))], [SAN, false, san(dnsName('b.example.test'))], ext])), refusal('unauthorized', /2 subjectAltName extensions/));
});

test('an address named as a dNSName does not prove an ip identifier', () => {
  const der = certificate([[SAN, false, san(dnsName('127.0.0.1'))], [ACME, true, encode(octets(digest))]]);
  assert.throws(() => checkValidationCertificate(der, { type: 'ip', value: '127.0.0.1' }, KEY_AUTHZ, 'x'), refusal('unauthorized', /not the iPAddress 127\.0\.0\.1/));
});

test('SNI of an address is its reverse-DNS name (RFC 8738 6)', () => {
  assert.equal(sniName({ type: 'ip', value: '10.1.2.3' }), '3.2.1.10.in-addr.arpa');
  assert.equal(sniName({ type: 'ip', value: '2001:db8::1' }), `1.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
  assert.equal(sniName({ type: 'dns', value: 'a.example.test' }), 'a.example.test');
});
