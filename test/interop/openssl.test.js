// OpenSSL's own tools judge what we issue: strict chain verification per purpose, the encrypted CA
// key, and CSRs made by `openssl req` signed under the policy.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ca, caOk, needs, run, storeIndex, treeDigest } from '../helpers/ca.js';
import { PASSPHRASE, makeCluster } from '../helpers/cluster.js';

const skip = needs('openssl', 'openssl');
let c;
let root;
before(() => {
  if (skip) return;
  root = mkdtempSync(join(tmpdir(), 'clusterca-openssl-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  c = makeCluster(root);
});

const verify = (purpose, cert, caFile = c.file('ca.crt')) =>
  run('openssl', ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', caFile, cert]);

test('openssl verify -x509_strict: server1 as sslserver, client1 as sslclient, server1 (peer) as both', { skip }, () => {
  for (const [purpose, name] of [['sslserver', 'server1'], ['sslclient', 'client1'], ['sslclient', 'server1'], ['sslserver', 'web']]) {
    const r = verify(purpose, c.file(`${name}.crt`));
    assert.equal(r.status, 0, `${name} as ${purpose}: ${r.stderr}`);
    assert.match(r.stdout, /: OK$/m);
  }
});

test('openssl verify refuses the wrong purpose and a foreign CA', { skip }, () => {
  const asServer = verify('sslserver', c.file('client1.crt'));
  assert.notEqual(asServer.status, 0);
  assert.match(asServer.stdout + asServer.stderr, /unsuitable certificate purpose|unsupported certificate purpose/);
  const asClient = verify('sslclient', c.file('web.crt'));
  assert.notEqual(asClient.status, 0);
  const foreign = verify('sslclient', c.foreign('intruder.crt'));
  assert.notEqual(foreign.status, 0);
  assert.match(foreign.stdout + foreign.stderr, /unable to get local issuer certificate/);
});

test('openssl verify -verify_ip / -verify_hostname: the SANs are what a Go client checks', { skip }, () => {
  const ok = run('openssl', ['verify', '-CAfile', c.file('ca.crt'), '-verify_ip', '127.0.0.1', '-verify_hostname', 'localhost', c.file('server1.crt')]);
  assert.equal(ok.status, 0, ok.stderr);
  const wrongIp = run('openssl', ['verify', '-CAfile', c.file('ca.crt'), '-verify_ip', '10.9.9.9', c.file('server1.crt')]);
  assert.notEqual(wrongIp.status, 0);
  assert.match(wrongIp.stdout + wrongIp.stderr, /IP address mismatch/);
});

test('the CA key in the store opens with openssl pkey -passin; every key file is 0600', { skip }, () => {
  const r = run('openssl', ['pkey', '-in', join(c.home, '.ca/ca.key'), '-passin', `pass:${PASSPHRASE}`, '-noout']);
  assert.equal(r.status, 0, r.stderr);
  const wrong = run('openssl', ['pkey', '-in', join(c.home, '.ca/ca.key'), '-passin', 'pass:nope', '-noout']);
  assert.notEqual(wrong.status, 0);
  const listing = run('find', [root, '-name', '*.key', '-printf', '%m %p\n']).stdout.trim().split('\n');
  assert.ok(listing.length >= 8, listing.join('\n'));
  for (const line of listing) assert.match(line, /^600 /, line);
});

test('ca sign --csr: a request from openssl req keeps its SANs; usages come from the profile', { skip }, (t) => {
  const dir = mkdtempSync(join(root, 'csr-'));
  caOk(dir, ['init', '--key-bits', '2048']);
  const req = run('openssl', [
    'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'web.key'), '-out', join(dir, 'web.csr'),
    '-subj', '/CN=web.example/O=Acme/OU=not-the-cluster/C=FR',
    '-addext', 'subjectAltName=DNS:web.example,DNS:*.web.example,IP:10.1.2.3,IP:fd00::5',
    '-addext', 'extendedKeyUsage=codeSigning',
    '-addext', 'keyUsage=critical,keyCertSign',
  ]);
  assert.equal(req.status, 0, req.stderr);
  const signed = caOk(dir, ['sign', '--csr', 'web.csr', '--profile', 'server', '--out', 'web.crt']);
  assert.match(signed.stderr, /Signed web\.csr as web\.example \(server\): wrote web\.crt/);
  const cert = new X509Certificate(readFileSync(join(dir, 'web.crt')));
  assert.equal(cert.subjectAltName, 'DNS:web.example, DNS:*.web.example, IP Address:10.1.2.3, IP Address:FD00:0:0:0:0:0:0:5');
  const clusterId = JSON.parse(readFileSync(join(dir, '.ca/store.json'), 'utf8')).clusterId;
  assert.equal(cert.subject, `O=Acme\nOU=${clusterId}\nCN=web.example`, 'CN and O taken; OU is the cluster id; C not taken');
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'EKU serverAuth from the profile, not codeSigning');
  const text = run('openssl', ['x509', '-in', join(dir, 'web.crt'), '-noout', '-ext', 'keyUsage,basicConstraints']).stdout;
  assert.match(text, /Key Usage: critical\n\s+Digital Signature, Key Encipherment/);
  assert.match(text, /Basic Constraints: critical\n\s+CA:FALSE/);
  const v = run('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', join(dir, '.ca/ca.crt'), join(dir, 'web.crt')]);
  assert.equal(v.status, 0, v.stderr);
  const index = storeIndex(join(dir, '.ca'));
  assert.deepEqual(index.certificates.at(-1).name, 'web.example');
  assert.equal(index.certificates.at(-1).source, 'csr');

  // Without --out the certificate goes to stdout; a DER request works too.
  run('openssl', ['req', '-in', join(dir, 'web.csr'), '-outform', 'DER', '-out', join(dir, 'web.der')]);
  const der = caOk(dir, ['sign', '--csr', 'web.der', '--profile', 'client', 'web-client']);
  assert.match(der.out, /^-----BEGIN CERTIFICATE-----\n/);
  assert.deepEqual(new X509Certificate(der.out).keyUsage, ['1.3.6.1.5.5.7.3.2']);
});

test('ca sign --csr refuses CA:TRUE and keys of other curves by name, and leaves the store as it was', { skip }, () => {
  const dir = mkdtempSync(join(root, 'csr-bad-'));
  caOk(dir, ['init', '--key-bits', '2048']);
  const index = () => treeDigest(join(dir, '.ca'));
  const before = index();
  const make = (file, extra) =>
    run('openssl', ['req', '-new', '-nodes', '-keyout', join(dir, `${file}.key`), '-out', join(dir, file), '-subj', '/CN=x', ...extra]);
  make('ca.csr', ['-newkey', 'rsa:2048', '-addext', 'basicConstraints=critical,CA:TRUE']);
  make('ec.csr', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521']);
  const cases = [
    ['ca.csr', /asks for a CA certificate \(basicConstraints CA:TRUE\)/],
    ['ec.csr', /the EC key of ec\.csr is on an unsupported curve \(1\.3\.132\.0\.35\); use P-256 or P-384/],
  ];
  for (const [file, why] of cases) {
    const r = ca(dir, ['sign', '--csr', file, 'x']);
    assert.equal(r.status, 1, file);
    assert.match(r.stderr, why);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
  }
  assert.equal(index(), before);
});

test('ca sign --csr: names openssl req writes as BMPString and TeletexString are read by their own rules', { skip }, (t) => {
  const dir = mkdtempSync(join(root, 'csr-strings-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  caOk(dir, ['init', '--key-bits', '2048']);
  // string_mask = default: OpenSSL picks PrintableString, TeletexString or BMPString by content.
  writeFileSync(join(dir, 'req.cnf'), '[req]\ndistinguished_name = dn\nstring_mask = default\nutf8 = yes\nprompt = no\n[dn]\nCN = 日本語 Jörg\nO = Müller & Söhne\n');
  run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-config', join(dir, 'req.cnf'), '-out', join(dir, 'names.csr')]);
  const types = run('openssl', ['asn1parse', '-in', join(dir, 'names.csr')]).stdout;
  assert.match(types, /BMPSTRING/, 'OpenSSL wrote a BMPString');
  caOk(dir, ['sign', '--csr', 'names.csr', '--profile', 'client', '--out', 'names.crt', 'names']);
  const subject = run('openssl', ['x509', '-in', join(dir, 'names.crt'), '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus_space']).stdout;
  assert.match(subject, /O=Müller & Söhne/);
  assert.match(subject, /CN=日本語 Jörg/);
});
