// PKCS#12 files from `ca export --format p12`, handed to OpenSSL 3 (without -legacy), Java's
// keytool, NSS's pk12util and Node's tls; and PEM export checked with OpenSSL.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ca, caOk, mode, needs, run } from '../helpers/ca.js';
import { makeFlockerCluster } from '../helpers/flocker.js';
import { handshake } from '../helpers/tls.js';

const PW = 'Pkcs12-Passw0rd!';
let c;
let root;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'clusterca-p12-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  c = makeFlockerCluster(root);
  writeFileSync(join(c.home, 'pw.txt'), `${PW}\n`);
  caOk(c.home, ['export', 'alice', '--format', 'p12', '--p12-password-file', 'pw.txt', '--out', 'legacy.p12']);
  caOk(c.home, ['export', 'alice', '--format', 'p12', '--p12-password-file', 'pw.txt', '--p12-encryption', 'aes256', '--out', 'aes.p12']);
});

const openssl = (file, pass = PW) => run('openssl', ['pkcs12', '-info', '-noout', '-in', c.file(file), '-passin', `pass:${pass}`]);

test('default .p12: OpenSSL 3 reads it without -legacy: 3DES key bag, plain certificates, MAC sha1', { skip: needs('openssl', 'openssl') }, () => {
  const r = openssl('legacy.p12');
  assert.equal(r.status, 0, r.stderr);
  const info = r.stdout + r.stderr;
  assert.match(info, /MAC: sha1, Iteration 2048/);
  assert.match(info, /Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048/);
  assert.equal((info.match(/Certificate bag/g) ?? []).length, 2, 'the certificate and the CA');
  assert.equal(mode(c.file('legacy.p12')), 0o600);
});

test('aes256 .p12: PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256, MAC sha256', { skip: needs('openssl', 'openssl') }, () => {
  const r = openssl('aes.p12');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /MAC: sha256, Iteration 2048/);
  assert.match(r.stdout + r.stderr, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/);
});

test('a wrong password is refused by OpenSSL', { skip: needs('openssl', 'openssl') }, () => {
  for (const file of ['legacy.p12', 'aes.p12']) {
    const r = openssl(file, 'not the password');
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /Mac verify error/);
  }
});

test('the key inside matches the certificate, and the friendly name is NAME', { skip: needs('openssl', 'openssl') }, () => {
  const pem = run('openssl', ['pkcs12', '-in', c.file('legacy.p12'), '-passin', `pass:${PW}`, '-nodes']).stdout;
  assert.match(pem, /friendlyName: alice/);
  const keyFile = join(root, 'extracted.pem');
  writeFileSync(keyFile, pem);
  const fromKey = run('openssl', ['pkey', '-in', keyFile, '-pubout']).stdout;
  const fromCert = run('openssl', ['x509', '-in', c.file('alice.crt'), '-pubkey', '-noout']).stdout;
  assert.ok(fromKey.length > 100);
  assert.equal(fromKey, fromCert);
});

test('keytool lists a PrivateKeyEntry with a chain of 2, for both encryptions', { skip: needs('keytool', 'default-jre-headless') }, () => {
  for (const file of ['legacy.p12', 'aes.p12']) {
    const r = run('keytool', ['-list', '-v', '-storetype', 'PKCS12', '-keystore', c.file(file), '-storepass', PW]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Alias name: alice/);
    assert.match(r.stdout, /Entry type: PrivateKeyEntry/);
    assert.match(r.stdout, /Certificate chain length: 2/);
  }
});

test('pk12util imports the default .p12 into an NSS database', { skip: needs('pk12util', 'libnss3-tools') }, () => {
  const db = join(root, 'nss');
  mkdirSync(db);
  assert.equal(run('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']).status, 0);
  const r = run('pk12util', ['-i', c.file('legacy.p12'), '-d', `sql:${db}`, '-W', PW]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /PKCS12 IMPORT SUCCESSFUL/);
  const keys = run('certutil', ['-K', '-d', `sql:${db}`]);
  assert.match(keys.stdout, /alice/);
});

test("Node's tls takes both .p12 files as pfx and completes a mutual-TLS handshake", async () => {
  for (const file of ['legacy.p12', 'aes.p12']) {
    const r = await handshake({
      server: { key: c.file('control-127.0.0.1.key'), cert: c.file('control-127.0.0.1.crt'), ca: c.ca },
      client: { pfx: c.file(file), passphrase: PW, ca: c.ca },
      servername: 'control-service',
    });
    assert.ok(r.serverAccepted && r.clientAuthorized, `${file}: ${JSON.stringify(r)}`);
  }
});

test('the password: never empty, printable ASCII, from a flag, a file, CA_P12_PASSWORD; none without a terminal is an error', () => {
  const dir = c.home;
  const cases = [
    [['--p12-password', ''], /--p12-password was given no value/],
    [['--p12-password', 'pässwort'], /other than printable ASCII/],
    [[], /a PKCS#12 file needs a password; pass --p12-password-file FILE or set CA_P12_PASSWORD/],
    [['--p12-iterations', '1000', '--p12-password', 'x'], /invalid --p12-iterations "1000"/],
  ];
  for (const [args, why] of cases) {
    const r = ca(dir, ['export', 'alice', '--format', 'p12', '--out', 'refused.p12', ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, why);
    assert.equal(existsSync(join(dir, 'refused.p12')), false, 'no file is left');
  }
  const env = caOk(dir, ['export', 'alice', '--format', 'p12'], { env: { CA_P12_PASSWORD: PW } });
  assert.ok(env.stdout.length > 1000, 'binary on stdout when it is not a terminal');
  assert.doesNotMatch(env.stderr, /visible to other users/);
  const more = caOk(dir, ['export', 'alice', '--format', 'p12', '--p12-iterations', '10000', '--out', 'slow.p12'], { env: { CA_P12_PASSWORD: PW } });
  assert.match(more.stderr, /Wrote slow\.p12/);
  if (!needs('openssl', 'openssl')) assert.match(openssl('slow.p12').stdout + openssl('slow.p12').stderr, /Iteration 10000/);
  const r = ca(dir, ['export', '--format', 'p12'], { env: { CA_P12_PASSWORD: PW } });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /a PKCS#12 file holds one certificate and its key; give a NAME/);
});

test('PEM export: certificate, CA, then the key; the key matches the certificate', { skip: needs('openssl', 'openssl') }, () => {
  const dir = c.home;
  const pem = caOk(dir, ['export', 'node1', '--format', 'pem']).out;
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1]);
  assert.deepEqual(blocks, ['CERTIFICATE', 'CERTIFICATE', 'PRIVATE KEY']);
  assert.equal(pem.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n', readFileSync(c.file('node1.crt'), 'utf8'));
  caOk(dir, ['export', 'node1', '--format', 'pem', '--out', 'node1.pem']);
  assert.equal(mode(c.file('node1.pem')), 0o600);
  const fromKey = run('openssl', ['pkey', '-in', c.file('node1.pem'), '-pubout']).stdout;
  const fromCert = run('openssl', ['x509', '-in', c.file('node1.pem'), '-pubkey', '-noout']).stdout;
  assert.equal(fromKey, fromCert);
  const verify = run('openssl', ['verify', '-CAfile', c.ca, c.file('node1.pem')]);
  assert.equal(verify.status, 0, verify.stderr);
  caOk(dir, ['export', '--format', 'pem', '--out', 'ca.pem']);
  assert.equal(mode(c.file('ca.pem')), 0o644);
  assert.equal(readFileSync(c.file('ca.pem'), 'utf8'), readFileSync(c.ca, 'utf8'));
});

test('PEM export of an encrypted key: as stored, or decrypted with --insecure', (t) => {
  const dir = join(root, 'enc');
  mkdirSync(dir);
  caOk(dir, ['init', '--key-bits', '2048']);
  caOk(dir, ['create-api-certificate', '--passphrase', 'k-pass', 'bob']);
  assert.match(caOk(dir, ['export', 'bob', '--format', 'pem']).out, /ENCRYPTED PRIVATE KEY/);
  assert.match(caOk(dir, ['export', 'bob', '--format', 'pem', '--insecure', '--passphrase', 'k-pass']).out, /-----BEGIN PRIVATE KEY-----/);
  const p12 = ca(dir, ['export', 'bob', '--format', 'p12', '--p12-password', PW]);
  assert.equal(p12.status, 2, 'the key must be opened to go into a .p12: a missing secret is a usage error');
  assert.match(p12.stderr, /the key of bob is encrypted and no passphrase was given/);
  caOk(dir, ['export', 'bob', '--format', 'p12', '--p12-password', PW, '--passphrase', 'k-pass', '--out', 'bob.p12']);
});
