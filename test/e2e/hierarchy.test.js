// A real hierarchy with the CLI (SPEC "Hierarchy, constraints and pointers"): a root, an intermediate
// store below it recorded in the root's index, exports that carry the chain, renewal of each CA
// with its own key, CRL pointers, URI and e-mail SANs, and store defaults for the key type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ca, caOk, needs, run, storeIndex, tempDir } from '../helpers/ca.js';
import { readTar } from '../helpers/tar.js';

const index = (dir, store) => storeIndex(join(dir, store));
const certs = (pem) => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g);

function hierarchy(t) {
  const dir = tempDir(t);
  caOk(dir, ['init', '--store', 'root', '--key-type', 'ecdsa', '--curve', 'P-384', '--path-length', '1', '--crl-url', 'http://pki.example.com/root.crl', 'Acme Root']);
  caOk(dir, ['init', '--store', 'c1', '--parent', 'root', '--permit-domain', 'c1.example.com', '--crl-url', 'http://pki.example.com/c1.crl', 'c1 CA']);
  return dir;
}

test('init --parent: the intermediate is recorded in the parent, inherits its key type, and its exports carry the chain', async (t) => {
  const dir = hierarchy(t);
  const [rootCa, recorded] = index(dir, 'root').certificates;
  assert.deepEqual([recorded.name, recorded.profile, recorded.hasKey, recorded.keyType], ['c1-CA', 'intermediate', false, 'ECDSA P-384']);
  assert.equal(index(dir, 'c1').certificates[0].profile, 'intermediate');
  assert.equal(index(dir, 'c1').certificates[0].serial, recorded.serial);
  assert.equal(rootCa.keyType, 'ECDSA P-384');

  // c1 permits DNS names only: an address is outside it (SPEC "Name constraints constrain every name form").
  caOk(dir, ['create-node-certificate', '--store', 'c1', '--name', 'n1', '--domain', 'n1.c1.example.com']);
  const leaf = new X509Certificate(readFileSync(join(dir, 'c1/certs/n1.crt')));
  assert.equal(leaf.publicKey.asymmetricKeyDetails.namedCurve, 'secp384r1', 'the store default follows the parent');
  const entries = Object.fromEntries((await readTar(caOk(dir, ['export', '--store', 'c1', '--insecure', 'n1']).stdout)).map((e) => [e.name, e.data.toString()]));
  assert.equal(certs(entries['n1.crt']).length, 2, 'n1.crt: the certificate and the intermediate');
  assert.equal(entries['ca.crt'], readFileSync(join(dir, 'root/ca.crt'), 'utf8'), 'ca.crt: the root');
  assert.equal(certs(caOk(dir, ['chain', '--store', 'c1', 'n1']).out).length, 3);
  const onlyCa = await readTar(caOk(dir, ['export', '--store', 'c1']).stdout);
  assert.equal(onlyCa[0].data.toString(), readFileSync(join(dir, 'root/ca.crt'), 'utf8'));
  assert.equal(certs(readFileSync(join(dir, 'n1.crt'), 'utf8')).length, 2, 'the one-step file carries the chain too');
});

test('CRL distribution points: each CA puts its own URL in what it issues; crl.der is the CRL in DER', { skip: needs('openssl', 'openssl') }, (t) => {
  const dir = hierarchy(t);
  caOk(dir, ['create-api-certificate', '--store', 'c1', 'alice']);
  const text = (file) => run('openssl', ['x509', '-in', file, '-noout', '-text']).stdout;
  assert.match(text(join(dir, 'c1/ca.crt')), /CRL Distribution Points: \n\s+Full Name:\n\s+URI:http:\/\/pki\.example\.com\/root\.crl/);
  assert.match(text(join(dir, 'c1/certs/alice.crt')), /URI:http:\/\/pki\.example\.com\/c1\.crl/);
  assert.doesNotMatch(text(join(dir, 'root/ca.crt')), /CRL Distribution/, 'a root names no CRL for itself');
  caOk(dir, ['revoke', '--store', 'c1', 'alice']);
  const der = run('openssl', ['crl', '-in', join(dir, 'c1/crl.der'), '-inform', 'DER', '-noout', '-text']);
  assert.equal(der.status, 0, der.stderr);
  assert.equal(readFileSync(join(dir, 'c1/crl.der')).toString('base64'), readFileSync(join(dir, 'c1/crl.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, ''));
  const verify = run('openssl', ['crl', '-in', join(dir, 'c1/crl.pem'), '-CAfile', join(dir, 'c1/ca.crt'), '-noout']);
  assert.match(verify.stdout + verify.stderr, /verify OK/);
});

test('URI and e-mail SANs: SPIFFE IDs from the flags', { skip: needs('openssl', 'openssl') }, (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ed25519']);
  caOk(dir, ['create-node-certificate', '--name', 'api', '--domain', 'api.example.com', '--uri', 'spiffe://cluster.local/ns/web/sa/api', '--email', 'ops@example.com']);
  const cert = new X509Certificate(readFileSync(join(dir, '.ca/certs/api.crt')));
  assert.equal(cert.subjectAltName, 'DNS:api.example.com, URI:spiffe://cluster.local/ns/web/sa/api, email:ops@example.com');
  assert.equal(cert.publicKey.asymmetricKeyType, 'ed25519');
  assert.match(ca(dir, ['create-node-certificate', '--name', 'x', '--uri', 'spiffe://a']).stderr, /Ed25519 key: macOS, iOS and browsers do not accept it/);
  assert.match(caOk(dir, ['list']).out, /URI:spiffe:\/\/cluster\.local\/ns\/web\/sa\/api/);
});

test('renewing each CA with its own key: the root keeps its constraints, the intermediate is signed again by its parent', { skip: needs('openssl', 'openssl') }, (t) => {
  const dir = hierarchy(t);
  caOk(dir, ['create-node-certificate', '--store', 'c1', '--name', 'n1', '--domain', 'n1.c1.example.com', '--out', dir]);
  copyFileSync(join(dir, 'c1/ca.crt'), join(dir, 'c1-old.crt'));
  assert.match(ca(dir, ['renew', '--store', 'c1', 'ca']).stderr, /this store's CA is an intermediate: its parent signs it; give --parent DIR/);
  const r = caOk(dir, ['renew', '--store', 'c1', '--parent', 'root', 'ca']);
  assert.match(r.stderr, /NAME\.crt carries the new intermediate/);
  assert.deepEqual(index(dir, 'root').certificates.filter((e) => e.profile === 'intermediate').map((e) => e.status), ['superseded', 'valid']);
  assert.deepEqual(index(dir, 'c1').certificates.filter((e) => e.name === 'ca').map((e) => e.status), ['superseded', 'valid']);
  const rootCa = join(dir, 'root/ca.crt');
  for (const intermediate of ['c1-old.crt', 'c1/ca.crt']) {
    const v = run('openssl', ['verify', '-x509_strict', '-CAfile', rootCa, '-untrusted', join(dir, intermediate), join(dir, 'c1/certs/n1.crt')]);
    assert.equal(v.status, 0, `${intermediate}: ${v.stderr}`);
  }
  assert.match(run('openssl', ['x509', '-in', join(dir, 'c1/ca.crt'), '-noout', '-text']).stdout, /Name Constraints: critical\n\s+Permitted:\n\s+DNS:c1\.example\.com/);

  caOk(dir, ['init', '--store', 'flat', '--key-bits', '2048', '--permit-domain', 'flat.example.com', 'flat']);
  caOk(dir, ['renew', '--store', 'flat', 'ca']);
  assert.match(run('openssl', ['x509', '-in', join(dir, 'flat/ca.crt'), '-noout', '-text']).stdout, /Name Constraints: critical\n\s+Permitted:\n\s+DNS:flat\.example\.com/);
});

test('revoking an intermediate for cACompromise revokes every certificate of its key, the one from before its renewal too', { skip: needs('openssl', 'openssl') }, (t) => {
  const dir = hierarchy(t);
  copyFileSync(join(dir, 'c1/ca.crt'), join(dir, 'c1-old.crt'));
  caOk(dir, ['renew', '--store', 'c1', '--parent', 'root', 'ca']);
  // The intermediate's key is stolen: whoever holds it must find no certificate of it that verifies.
  const r = caOk(dir, ['revoke', '--store', 'root', '--reason', 'cACompromise', 'c1-CA']);
  assert.match(r.stderr, /Also revoked 1 other certificate\(s\) of the same key: c1-CA \(serial [0-9a-f]+\)/);
  const entries = index(dir, 'root').certificates.filter((e) => e.profile === 'intermediate');
  assert.deepEqual(entries.map((e) => [e.status, e.revocationReason]), [['revoked', 'cACompromise'], ['revoked', 'cACompromise']]);
  const crl = run('openssl', ['crl', '-in', join(dir, 'root/crl.pem'), '-noout', '-text']).stdout;
  for (const e of entries) assert.match(crl, new RegExp(`Serial Number: 0*${e.serial.toUpperCase()}\\n\\s+Revocation Date: .*\\n\\s+CRL entry extensions:\\n\\s+X509v3 CRL Reason Code: \\n\\s+CA Compromise`));
  for (const intermediate of ['c1-old.crt', 'c1/ca.crt']) {
    const v = run('openssl', ['verify', '-crl_check', '-CAfile', join(dir, 'root/ca.crt'), '-CRLfile', join(dir, 'root/crl.pem'), join(dir, intermediate)]);
    assert.notEqual(v.status, 0, intermediate);
    assert.match(v.stdout + v.stderr, /certificate revoked/, intermediate);
  }
});
