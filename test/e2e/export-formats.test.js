// `ca export` formats (SPEC "Ecosystem"): the format from --out's extension, flags of another format
// refused, a Kubernetes Secret read back with a YAML parser (and kubectl where present), Docker's
// ca.pem/cert.pem/key.pem, and the warnings for a revoked or expired certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ca, caOk, have, mode, needs, run, tempDir, treeDigest } from '../helpers/ca.js';
import { readTar } from '../helpers/tar.js';
import { handshake } from '../helpers/tls.js';

function store(t, ...initArgs) {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', ...initArgs, 'formats-ca']);
  caOk(dir, ['new-cert', '--ip', '127.0.0.1', '--domain', 'localhost', 'web_1']);
  caOk(dir, ['sign', 'web_1']);
  writeFileSync(join(dir, 'p12.txt'), 'a p12 password\n');
  return dir;
}

const pemCerts = (text) => text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g);

test('--out picks the format by its extension; --format wins; the message names the file written', async (t) => {
  const dir = store(t);
  const r = caOk(dir, ['export', 'web_1', '--out', 'web.p12', '--p12-password-file', 'p12.txt']);
  assert.match(r.stderr, /Wrote web\.p12 \(PKCS#12: web_1's certificate, key and the CA\)/);
  if (!needs('openssl', 'openssl')) {
    const info = run('openssl', ['pkcs12', '-in', join(dir, 'web.p12'), '-passin', 'pass:a p12 password', '-nodes', '-legacy']);
    assert.equal(info.status, 0, info.stderr);
    assert.equal(pemCerts(info.stdout).length, 2);
  }
  assert.equal(mode(join(dir, 'web.p12')), 0o600);
  caOk(dir, ['export', 'web_1', '--out', 'web.pfx', '--p12-password-file', 'p12.txt']);
  assert.equal(readFileSync(join(dir, 'web.pfx'))[0], 0x30, 'a DER PKCS#12, not a tar');
  caOk(dir, ['export', 'web_1', '--out', 'web.pem']);
  assert.equal(pemCerts(readFileSync(join(dir, 'web.pem'), 'utf8')).length, 2);
  caOk(dir, ['export', 'web_1', '--out', 'web.tar']);
  assert.deepEqual((await readTar(readFileSync(join(dir, 'web.tar')))).map((e) => e.name), ['web_1.crt', 'web_1.key', 'ca.crt']);
  caOk(dir, ['export', 'web_1', '--out', 'web.yaml']);
  assert.equal(parseYaml(readFileSync(join(dir, 'web.yaml'), 'utf8')).kind, 'Secret');
  caOk(dir, ['export', 'web_1', '--format', 'tar', '--out', 'really-a-tar.pem']);
  assert.equal((await readTar(readFileSync(join(dir, 'really-a-tar.pem')))).length, 3);
});

test('a flag of another format is a usage error, and nothing is written', (t) => {
  const dir = store(t);
  const before = treeDigest(join(dir, '.ca'));
  for (const args of [
    ['--out', 'web.tar', '--p12-password-file', 'p12.txt'],
    ['--format', 'pem', '--p12-encryption', 'aes256'],
    ['--out', 'web.p12', '--p12-password-file', 'p12.txt', '--namespace', 'prod'],
    ['--format', 'docker', '--secret-name', 'web'],
  ]) {
    const r = ca(dir, ['export', 'web_1', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^error: .*--(p12-[\w-]+|namespace|secret-name) is for --format (p12|k8s)/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  assert.ok(!existsSync(join(dir, 'web.tar')) && !existsSync(join(dir, 'web.p12')));
  assert.equal(treeDigest(join(dir, '.ca')), before);
});

test('--format k8s: a kubernetes.io/tls Secret that decodes to the certificate, its key and the root', (t) => {
  const dir = store(t);
  const yaml = caOk(dir, ['export', '--format', 'k8s', '--namespace', 'prod', 'web_1']).out;
  const secret = parseYaml(yaml);
  assert.equal(secret.apiVersion, 'v1');
  assert.equal(secret.kind, 'Secret');
  assert.equal(secret.type, 'kubernetes.io/tls');
  assert.deepEqual(secret.metadata, { name: 'web-1', namespace: 'prod', labels: { 'app.kubernetes.io/managed-by': 'clusterca' } });
  const data = Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  assert.deepEqual(Object.keys(data), ['tls.crt', 'tls.key', 'ca.crt']);
  assert.equal(data['tls.crt'], readFileSync(join(dir, '.ca', 'certs', 'web_1.crt'), 'utf8'));
  assert.equal(data['ca.crt'], readFileSync(join(dir, '.ca', 'ca.crt'), 'utf8'));
  assert.ok(new X509Certificate(data['tls.crt']).checkPrivateKey(createPrivateKey(data['tls.key'])));

  assert.equal(parseYaml(caOk(dir, ['export', '--format', 'k8s', '--secret-name', 'web.tls', 'web_1']).out).metadata.name, 'web.tls');
  for (const bad of [['--namespace', 'Prod'], ['--namespace', 'a'.repeat(64)], ['--secret-name=-web']]) {
    const r = ca(dir, ['export', '--format', 'k8s', ...bad, 'web_1']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /namespace|Secret name/);
  }
  const noName = ca(dir, ['export', '--format', 'k8s']);
  assert.equal(noName.status, 2);
  assert.match(noName.stderr, /give a NAME .*--include-ca-key/);
});

test("--format k8s --include-ca-key: the CA's Secret for cert-manager, of an intermediate store too", (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--store', 'root', '--key-type', 'ecdsa', '--path-length', '1', 'org-root']);
  caOk(dir, ['init', '--store', 'inter', '--parent', 'root', 'cluster-inter']);
  const secret = parseYaml(caOk(dir, ['export', '--store', 'inter', '--format', 'k8s', '--include-ca-key']).out);
  assert.equal(secret.metadata.name, 'ca-key-pair');
  const tlsCrt = Buffer.from(secret.data['tls.crt'], 'base64').toString();
  const caCrt = Buffer.from(secret.data['ca.crt'], 'base64').toString();
  assert.equal(tlsCrt, readFileSync(join(dir, 'inter', 'ca.crt'), 'utf8'), "the intermediate's own certificate (the root above it is ca.crt)");
  assert.equal(caCrt, readFileSync(join(dir, 'root', 'ca.crt'), 'utf8'));
  assert.ok(new X509Certificate(tlsCrt).checkPrivateKey(createPrivateKey(Buffer.from(secret.data['tls.key'], 'base64'))));
  assert.equal(ca(dir, ['export', '--store', 'inter', '--format', 'k8s', '--include-ca-key', 'x']).status, 2);
});

test('--format k8s and docker need --insecure for an encrypted key; then the key is written decrypted', (t) => {
  const dir = store(t);
  writeFileSync(join(dir, 'key-pass.txt'), 'a key passphrase\n');
  caOk(dir, ['new-cert', '--passphrase-file', 'key-pass.txt', '--ip', '127.0.0.1', 'locked']);
  caOk(dir, ['sign', 'locked']);
  for (const format of ['k8s', 'docker']) {
    const r = ca(dir, ['export', '--format', format, '--out', `locked.${format}`, 'locked']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /reads keys unencrypted.*--insecure/);
    assert.ok(!existsSync(join(dir, `locked.${format}`)));
  }
  const secret = parseYaml(caOk(dir, ['export', '--format', 'k8s', '--insecure', '--passphrase-file', 'key-pass.txt', 'locked']).out);
  assert.match(Buffer.from(secret.data['tls.key'], 'base64').toString(), /^-----BEGIN PRIVATE KEY-----/);
});

test("--format docker: ca.pem, cert.pem, key.pem (0600) that a TLS handshake accepts; OpenSSL verifies cert.pem against ca.pem", async (t) => {
  const dir = store(t);
  const entries = await readTar(caOk(dir, ['export', '--format', 'docker', 'web_1']).stdout);
  assert.deepEqual(entries.map((e) => [e.name, e.mode]), [['ca.pem', 0o644], ['cert.pem', 0o644], ['key.pem', 0o600]]);
  const files = Object.fromEntries(entries.map((e) => [e.name, e.data]));
  for (const [n, d] of Object.entries(files)) writeFileSync(join(dir, n), d);
  if (!needs('openssl', 'openssl')) {
    const v = run('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslserver', join(dir, 'cert.pem')]);
    assert.equal(v.status, 0, v.stderr);
  }
  // Docker's daemon and client both present these (mutual TLS): one peer certificate on both sides.
  const side = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem') };
  const r = await handshake({ server: side, client: side });
  assert.ok(r.serverAccepted && r.clientAuthorized, JSON.stringify(r));
  assert.equal(ca(dir, ['export', '--format', 'docker', '--include-ca-key', 'web_1']).status, 2);
});

test('exporting a revoked or an expired certificate warns', { skip: needs('faketime', 'faketime') }, (t) => {
  const dir = store(t);
  caOk(dir, ['create-api-certificate', '--days', '1', 'brief']);
  const later = run('faketime', ['+2 days', process.execPath, join(import.meta.dirname, '../../bin/ca.js'), 'export', '--format', 'pem', 'brief'], { cwd: dir, env: { ...process.env, CA_STORE: '' } });
  assert.equal(later.status, 0, later.stderr);
  assert.match(later.stderr, /warning: brief expired on .*`ca renew brief`/);
  caOk(dir, ['revoke', 'web_1']);
  assert.match(caOk(dir, ['export', '--format', 'pem', 'web_1']).stderr, /warning: web_1 is revoked/);
});

test("kubectl makes the same Secret from the files (and checks that key and certificate pair up)", { skip: needs('kubectl', 'kubernetes-client') }, (t) => {
  const dir = store(t);
  const ours = parseYaml(caOk(dir, ['export', '--format', 'k8s', 'web_1']).out);
  writeFileSync(join(dir, 'tls.crt'), Buffer.from(ours.data['tls.crt'], 'base64'));
  writeFileSync(join(dir, 'tls.key'), Buffer.from(ours.data['tls.key'], 'base64'));
  const kubectl = (key) => run('kubectl', ['create', 'secret', 'tls', 'web-1', '--cert', join(dir, 'tls.crt'), '--key', join(dir, key), '--dry-run=client', '-o', 'json']);
  const made = kubectl('tls.key');
  assert.equal(made.status, 0, made.stderr);
  const theirs = JSON.parse(made.stdout);
  assert.equal(theirs.type, ours.type);
  assert.equal(theirs.metadata.name, ours.metadata.name);
  assert.equal(theirs.data['tls.crt'], ours.data['tls.crt']);
  assert.equal(theirs.data['tls.key'], ours.data['tls.key']);
  // The check can fail: another certificate's key is refused.
  caOk(dir, ['create-api-certificate', 'other']);
  assert.notEqual(kubectl('other.key').status, 0);
});
