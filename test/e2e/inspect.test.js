// `ca inspect FILE` and `ca show FILE` (issue 21, point 7): what a user holding a file (made by ca,
// by openssl, from a colleague) learns of it without a store, in words and as JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ca, caOk, needs, run, tempDir } from '../helpers/ca.js';

const openssl = needs('openssl', 'openssl');

/** A store with a node certificate exported as files, in `dir`. */
function setUp(t) {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', 'Inspect CA']);
  caOk(dir, ['create-node-certificate', '--name', 'etcd1', '--ip', '10.0.0.1']);
  run('tar', ['xf', '-'], { cwd: dir, input: caOk(dir, ['export', '--insecure', 'etcd1']).stdout });
  return dir;
}

/** One line on stderr, exit 1: the whole of a refusal. */
function refused(r, pattern) {
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr.trim(), pattern);
  assert.equal(r.out, '');
}

test('a certificate made by ca, PEM and DER, from a directory without a store; --json', { skip: openssl }, (t) => {
  const dir = setUp(t);
  const elsewhere = tempDir(t);
  const pem = join(dir, 'etcd1.crt');
  const der = join(elsewhere, 'etcd1.der');
  assert.equal(run('openssl', ['x509', '-in', pem, '-outform', 'DER', '-out', der]).status, 0);
  const fingerprint = run('openssl', ['x509', '-in', pem, '-noout', '-fingerprint', '-sha256']).stdout.trim().split('=')[1];
  for (const file of [pem, der]) {
    const r = caOk(elsewhere, ['inspect', file]);
    assert.match(r.out, /^File: +.*\((PEM|DER): a certificate\)$/m);
    assert.match(r.out, /^ {2}SANs: +IP:10\.0\.0\.1$/m);
    assert.match(r.out, /^ {2}Extended usage: +serverAuth, clientAuth$/m);
    assert.match(r.out, /^ {2}Issuer: +CN=Inspect CA/m);
    assert.match(r.out, new RegExp(`^ {2}SHA-256: +${fingerprint}$`, 'm'));
    assert.match(r.out, /^ {2}Key: +ECDSA P-256$/m);
  }
  const json = JSON.parse(caOk(elsewhere, ['inspect', '--json', der]).out);
  assert.equal(json.format, 'DER');
  assert.equal(json.certificates.length, 1);
  assert.deepEqual(json.certificates[0].sans, ['IP:10.0.0.1']);
  assert.equal(json.certificates[0].fingerprint, fingerprint);
  assert.deepEqual([json.requests, json.crls, json.keys], [[], [], []]);
});

test('a certificate, a CSR and a key made by openssl; a chain from a --parent store, in order', { skip: openssl }, (t) => {
  const dir = tempDir(t);
  const req = run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'self.key', '-subj', '/CN=openssl.example', '-addext', 'subjectAltName=DNS:openssl.example', '-days', '5', '-out', 'self.crt'], { cwd: dir });
  assert.equal(req.status, 0, req.stderr);
  const self = caOk(dir, ['inspect', 'self.crt']).out;
  assert.match(self, /Subject: +CN=openssl\.example/);
  assert.match(self, /SANs: +DNS:openssl\.example/);
  assert.match(self, /\(\d days left\)/);
  assert.match(self, /Key: +RSA 2048/);

  assert.equal(run('openssl', ['req', '-new', '-key', 'self.key', '-subj', '/CN=web1/O=Acme', '-addext', 'subjectAltName=DNS:web1.example,IP:10.0.0.5', '-out', 'web1.csr'], { cwd: dir }).status, 0);
  const csr = caOk(dir, ['inspect', 'web1.csr']).out;
  assert.match(csr, /PEM: a certificate signing request/);
  assert.match(csr, /Subject: +CN=web1, O=Acme/);
  assert.match(csr, /SANs: +DNS:web1\.example, IP:10\.0\.0\.5/);
  assert.match(csr, /Signature: +sha256WithRSAEncryption, valid/);
  // A request whose body was altered after signing: described, its signature said to be bad.
  const der = Buffer.from(run('openssl', ['req', '-in', 'web1.csr', '-outform', 'DER'], { cwd: dir, encoding: 'latin1' }).stdout, 'latin1');
  const at = der.indexOf(Buffer.from('web1.example'));
  der[at] = 'x'.charCodeAt(0);
  writeFileSync(join(dir, 'tampered.der'), der);
  const tampered = JSON.parse(caOk(dir, ['inspect', '--json', 'tampered.der']).out).requests[0];
  assert.deepEqual([tampered.sans[0], tampered.signatureValid], ['DNS:xeb1.example', false]);

  // The key: its type, never its contents.
  const key = caOk(dir, ['inspect', 'self.key']);
  assert.match(key.out, /Private key: +RSA 2048, NOT encrypted/);
  assert.doesNotMatch(key.out, /BEGIN|MII/);

  caOk(dir, ['init', '--store', 'root', '--key-type', 'ecdsa', '--path-length', '1', 'Root CA']);
  caOk(dir, ['init', '--store', 'sub', '--parent', 'root', 'Sub CA']);
  caOk(dir, ['create-api-certificate', '--store', 'sub', 'alice']);
  writeFileSync(join(dir, 'chain.pem'), caOk(dir, ['chain', '--store', 'sub', 'alice']).out);
  const chain = caOk(dir, ['inspect', 'chain.pem']).out;
  assert.match(chain, /PEM: a chain of 3 certificates/);
  const subjects = [...chain.matchAll(/^ {2}Subject: +CN=([^,\n]+)/gm)].map((m) => m[1]);
  assert.equal(subjects.length, 3);
  assert.match(subjects[0], /alice/);
  assert.deepEqual(subjects.slice(1), ['Sub CA', 'Root CA']);
  assert.equal(JSON.parse(caOk(dir, ['inspect', '--json', 'chain.pem']).out).certificates[2].isCa, true);
});

test('a CRL after ca revoke and ca crl: issuer, number, next update, the revoked serial and reason', (t) => {
  const dir = setUp(t);
  const serial = JSON.parse(caOk(dir, ['show', '--json', 'etcd1']).out).serial;
  caOk(dir, ['revoke', '--reason', 'keyCompromise', 'etcd1']);
  caOk(dir, ['crl']);
  for (const file of ['.ca/crl.pem', '.ca/crl.der']) {
    const r = caOk(dir, ['inspect', file]).out;
    assert.match(r, /a CRL\)/);
    assert.match(r, /Issuer: +CN=Inspect CA/);
    assert.match(r, new RegExp(`^ {4}${serial} +\\S+ \\(keyCompromise\\)$`, 'm'));
  }
  const json = JSON.parse(caOk(dir, ['inspect', '--json', '.ca/crl.der']).out).crls[0];
  assert.equal(json.number, '2');
  assert.deepEqual(json.revoked.map((r) => [r.serial, r.reason]), [[serial, 'keyCompromise']]);
  assert.ok(Date.parse(json.nextUpdate) > Date.parse(json.thisUpdate));
});

test('a PKCS#12 file from ca export: its password from a file or CA_P12_PASSWORD; a wrong one is one line, exit 1', (t) => {
  const dir = setUp(t);
  writeFileSync(join(dir, 'p12.pass'), 'correct-horse\n');
  writeFileSync(join(dir, 'wrong.pass'), 'wrong-horse\n');
  caOk(dir, ['export', 'etcd1', '--format', 'p12', '--p12-password-file', 'p12.pass', '--out', 'etcd1.p12']);
  const r = caOk(dir, ['inspect', '--password-file', 'p12.pass', 'etcd1.p12']);
  assert.match(r.out, /PKCS#12: 2 certificates, a private key/);
  assert.match(r.out, /Certificate 1 of 2 \(friendly name etcd1\)/);
  assert.match(r.out, /Private key: +ECDSA P-256, encrypted \(friendly name etcd1\)/);
  assert.doesNotMatch(r.out, /BEGIN|PRIVATE KEY-/);
  assert.equal(r.stderr, '');
  const json = JSON.parse(caOk(dir, ['inspect', '--json', 'etcd1.p12'], { env: { CA_P12_PASSWORD: 'correct-horse' } }).out);
  assert.equal(json.format, 'PKCS#12');
  assert.deepEqual(json.keys, [{ key: 'ECDSA P-256', encrypted: true, friendlyName: 'etcd1' }]);
  assert.deepEqual(json.certificates.map((c) => c.isCa), [false, true]);

  refused(ca(dir, ['inspect', '--password-file', 'wrong.pass', 'etcd1.p12']), /^error: failed to inspect etcd1\.p12: the password does not open etcd1\.p12.*CA_P12_PASSWORD$/);
  refused(ca(dir, ['inspect', 'etcd1.p12']), /etcd1\.p12 is a PKCS#12 file and no password was given; pass --password-file FILE or set CA_P12_PASSWORD/);
  // On argv it works, with the warning every secret on argv gets.
  const argv = caOk(dir, ['inspect', '--password', 'correct-horse', 'etcd1.p12']);
  assert.match(argv.stderr, /visible to other users in ps; prefer --password-file/);
});

test('a PKCS#12 file made by openssl 3 (PBES2, AES-256, SHA-256 MAC)', { skip: openssl }, (t) => {
  const dir = setUp(t);
  writeFileSync(join(dir, 'p12.pass'), 'openssl-pass\n');
  const r = run('openssl', ['pkcs12', '-export', '-in', 'etcd1.crt', '-inkey', 'etcd1.key', '-certfile', 'ca.crt', '-name', 'from openssl', '-passout', 'file:p12.pass', '-out', 'o.p12'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const out = caOk(dir, ['inspect', '--password-file', 'p12.pass', 'o.p12']).out;
  assert.match(out, /Certificate 1 of 2 \(friendly name from openssl\)/);
  assert.match(out, /Private key: +ECDSA P-256, encrypted/);
});

test('what is none of these: one line naming what is understood, exit 1', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'garbage.bin'), Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)));
  writeFileSync(join(dir, 'notes.txt'), 'hello\n');
  writeFileSync(join(dir, 'big.pem'), `-----BEGIN CERTIFICATE-----\n${'A'.repeat(70_000)}\n-----END CERTIFICATE-----\n`);
  for (const f of ['garbage.bin', 'notes.txt']) {
    refused(ca(dir, ['inspect', f]), new RegExp(`^error: failed to inspect ${f.replace('.', '\\.')}: ${f.replace('.', '\\.')} is none of what ca inspect reads: a certificate or chain, a certificate signing request, a CRL \\(PEM or DER\\), a PKCS#12 file or a private key$`));
  }
  refused(ca(dir, ['inspect', 'big.pem']), /big\.pem is larger than 64 KiB/);
  // A path that is not there is a usage error, as for every file named on the command line.
  const missing = ca(dir, ['inspect', 'missing.crt']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read missing\.crt: no such file/);
});

test('ca show FILE: a file where the store has no such name; the store wins when it has one', (t) => {
  const dir = setUp(t);
  // Before: "there is no certificate named etcd1.crt".
  const r = caOk(dir, ['show', 'etcd1.crt']);
  assert.match(r.out, /^File: +etcd1\.crt \(PEM: a certificate\)$/m);
  assert.match(r.out, /SANs: +IP:10\.0\.0\.1/);
  // Without any store, too.
  const elsewhere = tempDir(t);
  writeFileSync(join(elsewhere, 'ca.crt'), caOk(dir, ['show', '--pem', 'ca']).out);
  assert.match(caOk(elsewhere, ['show', 'ca.crt']).out, /CA: +yes/);
  // A file named like a certificate of the store: the store's; ./NAME is the file.
  writeFileSync(join(dir, 'etcd1'), caOk(dir, ['show', '--pem', 'ca']).out);
  assert.match(caOk(dir, ['show', 'etcd1']).out, /^Name: +etcd1 /m);
  assert.match(caOk(dir, ['show', './etcd1']).out, /^File: +\.\/etcd1/m);
  // Neither a name nor a file: the store's answer, as before.
  assert.match(ca(dir, ['show', 'etcd2.crt']).stderr, /there is no certificate named etcd2\.crt/);
});

test('--help examples and completion know inspect and doctor; a FILE completes as a path', { skip: needs('fish', 'fish') }, (t) => {
  const dir = tempDir(t);
  const help = caOk(dir, ['--help']).out;
  assert.match(help, /^ {2}ca inspect .*alice\.p12/m);
  assert.match(help, /^ {2}ca doctor /m);
  assert.deepEqual(caOk(dir, ['--get-yargs-completions', 'ca', 'insp']).out.split('\n').filter((w) => w.startsWith('insp')), ['inspect']);
  // Nothing offered where a file goes: bash (-o default) and zsh (_default) then complete paths, fish too.
  assert.equal(caOk(dir, ['--get-yargs-completions', 'ca', 'inspect', '']).out, '');
  assert.equal(caOk(dir, ['--get-yargs-completions', 'ca', 'inspect', '--password-file', '']).out, '');
  writeFileSync(join(dir, 'web.crt'), '');
  writeFileSync(join(dir, 'ca.fish'), caOk(dir, ['completion', 'fish']).out);
  const bin = join(dir, 'bin');
  run('mkdir', [bin]);
  writeFileSync(join(bin, 'ca'), `#!/bin/sh\nexec "${process.execPath}" "${join(import.meta.dirname, '../../bin/ca.js')}" "$@"\n`, { mode: 0o755 });
  const fish = run('fish', ['-c', "source ./ca.fish; complete -C 'ca inspect we'; complete -C 'ca doc'"], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  assert.deepEqual(fish.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]), ['web.crt', 'doctor']);
});
