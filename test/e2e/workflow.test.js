// etcd-ca's guide, step by step, with only the binary's name changed: no terminal attached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ca, caOk, mode, storeIndex, tempDir } from '../helpers/ca.js';
import { readTar } from '../helpers/tar.js';

const P = 'correct horse battery staple';

test("etcd-ca's workflow: init, export, new-cert, sign, export --insecure", async (t) => {
  const dir = tempDir(t);
  const init = caOk(dir, ['init', '--passphrase', P, '--key-bits', '2048']);
  assert.match(init.stderr, /Created the CA/);
  assert.match(init.stderr, /warning: a secret given with --passphrase is visible to other users in ps/);
  assert.equal(init.out, '', 'messages go to stderr');

  const caTar = await readTar(caOk(dir, ['export']).stdout);
  assert.deepEqual(caTar.map((e) => [e.name, e.mode]), [['ca.crt', 0o644]], 'ca.crt and no CA key');

  caOk(dir, ['new-cert', '--passphrase', P, '--ip', '127.0.0.1', '--domain', 'localhost', 'server1']);
  const signed = caOk(dir, ['sign', '--passphrase', P, 'server1']);
  assert.match(signed.stderr, /Signed server1/);

  const serverTar = await readTar(caOk(dir, ['export', '--insecure', '--passphrase', P, 'server1']).stdout);
  assert.deepEqual(
    serverTar.map((e) => [e.name, e.mode]),
    [['server1.crt', 0o644], ['server1.key', 0o600], ['ca.crt', 0o644]],
  );
  const key = serverTar.find((e) => e.name === 'server1.key').data.toString();
  assert.match(key, /^-----BEGIN PRIVATE KEY-----/, 'decrypted with --insecure');
  const cert = new X509Certificate(serverTar[0].data);
  assert.ok(cert.checkPrivateKey(createPrivateKey(key)));
  assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1');

  caOk(dir, ['new-cert', '--passphrase', P, 'client1']);
  caOk(dir, ['sign', '--passphrase', P, 'client1']);
  const clientTar = await readTar(caOk(dir, ['export', '--insecure', '--passphrase', P, 'client1']).stdout);
  assert.deepEqual(clientTar.map((e) => e.name), ['client1.crt', 'client1.key', 'ca.crt']);

  // The store: modes, keys encrypted at rest, the index.
  const store = join(dir, '.ca');
  assert.equal(mode(store), 0o700);
  assert.equal(mode(join(store, 'ca.key')), 0o600);
  assert.equal(mode(join(store, 'keys/server1.key')), 0o600);
  assert.equal(mode(join(store, 'ca.crt')), 0o644);
  assert.equal(mode(join(store, 'certs/server1.crt')), 0o644);
  assert.match(readFileSync(join(store, 'ca.key'), 'utf8'), /ENCRYPTED PRIVATE KEY/);
  assert.match(readFileSync(join(store, 'keys/server1.key'), 'utf8'), /ENCRYPTED PRIVATE KEY/);
  const index = storeIndex(store);
  assert.deepEqual(index.certificates.map((e) => [e.name, e.profile, e.status]), [
    ['ca', 'ca', 'valid'],
    ['server1', 'peer', 'valid'],
    ['client1', 'peer', 'valid'],
  ]);
  assert.deepEqual(index.requests, []);
  assert.equal(new Set(index.certificates.map((e) => e.serial)).size, 3, 'serials are unique, the CA included');
  const meta = JSON.parse(readFileSync(join(store, 'store.json'), 'utf8'));
  assert.match(cert.subject, new RegExp(`OU=${meta.clusterId}`), 'the cluster id is in OU');
  assert.equal(index.certificates[1].fingerprint, cert.fingerprint256);
});

test('export without --insecure keeps the key encrypted; a missing passphrase is an error, not a hang', async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  caOk(dir, ['new-cert', '--passphrase', P, '--domain', 'a.example', 'a']);
  // The next step said after signing an encrypted key is the export that etcd and nginx can read.
  assert.match(caOk(dir, ['sign', 'a']).stderr, /Next: `ca export --insecure a \| tar xvf -` gives a\.crt, a\.key decrypted .*without --insecure the key stays encrypted/);
  caOk(dir, ['new-cert', '--domain', 'b.example', 'b']);
  assert.match(caOk(dir, ['sign', 'b']).stderr, /Next: `ca export b \| tar xvf -` gives b\.crt, b\.key and ca\.crt\./);
  const tar = await readTar(caOk(dir, ['export', 'a']).stdout);
  assert.match(tar[1].data.toString(), /ENCRYPTED PRIVATE KEY/);
  const r = ca(dir, ['export', '--insecure', 'a']);
  assert.equal(r.status, 2, 'a missing secret is a usage error');
  assert.equal(r.out, '');
  assert.equal(r.stderr, 'error: failed to export a: the key of a is encrypted and no passphrase was given; pass --passphrase or --passphrase-file\n');
});

test('--include-ca-key exports the CA key; with --insecure decrypted by CA_PASSPHRASE', async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048'], { env: { CA_PASSPHRASE: P } });
  const tar = await readTar(caOk(dir, ['export', '--include-ca-key', '--insecure'], { env: { CA_PASSPHRASE: P } }).stdout);
  assert.deepEqual(tar.map((e) => [e.name, e.mode]), [['ca.crt', 0o644], ['ca.key', 0o600]]);
  assert.match(tar[1].data.toString(), /^-----BEGIN PRIVATE KEY-----/);
});

test('export --out writes the tar 0600 when it holds a key, and never overwrites without --force', async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  caOk(dir, ['new-cert', '--ip', '10.0.0.1', 'n1']);
  caOk(dir, ['sign', 'n1']);
  caOk(dir, ['export', '--out', 'n1.tar', 'n1']);
  assert.equal(mode(join(dir, 'n1.tar')), 0o600);
  caOk(dir, ['export', '--out', 'ca.tar']);
  assert.equal(mode(join(dir, 'ca.tar')), 0o644);
  const again = ca(dir, ['export', '--out', 'n1.tar', 'n1']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /n1\.tar already exists; pass --force to replace it/);
  caOk(dir, ['export', '--out', 'n1.tar', '--force', 'n1']);
});

test('no store: a hint to run ca init, and nothing created', (t) => {
  const dir = tempDir(t);
  for (const args of [['new-cert', 'x'], ['sign', 'x'], ['export']]) {
    const r = ca(dir, args);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, /^error: failed to .*: no CA store in \.ca; run `ca init` first/);
    assert.equal(existsSync(join(dir, '.ca')), false);
  }
});

test('init over an existing CA needs --force, which keeps the old store beside the new one', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048', 'first']);
  const before = readFileSync(join(dir, '.ca/ca.crt'), 'utf8');
  const r = ca(dir, ['init', '--key-bits', '2048', 'second']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'error: failed to create the CA: a CA store already exists in .ca; pass --force to replace it (the old store is kept beside it)\n');
  assert.equal(readFileSync(join(dir, '.ca/ca.crt'), 'utf8'), before);
  const forced = caOk(dir, ['init', '--key-bits', '2048', '--force', '--json', 'second']);
  const result = JSON.parse(forced.out);
  assert.equal(result.name, 'second');
  assert.equal(readFileSync(join(result.replaced, 'ca.crt'), 'utf8'), before);
});

test('the CA defaults: 4096-bit key, 10 years, CN = directory name, unencrypted with a warning', (t) => {
  const dir = tempDir(t, 'prod-cluster-');
  const r = caOk(dir, ['init']);
  assert.match(r.stderr, /warning: the CA key is stored unencrypted/);
  const cert = new X509Certificate(readFileSync(join(dir, '.ca/ca.crt')));
  assert.match(cert.subject, /CN=prod-cluster-/);
  assert.equal(cert.publicKey.asymmetricKeyDetails.modulusLength, 4096);
  const years = (new Date(cert.validTo) - new Date(cert.validFrom)) / (365.25 * 864e5);
  assert.ok(Math.abs(years - 10) < 0.01, `${years} years`);
});

test('--store and CA_STORE choose the store directory', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048', '--store', 'pki/a']);
  assert.ok(existsSync(join(dir, 'pki/a/ca.crt')));
  caOk(dir, ['new-cert', 'x'], { env: { CA_STORE: 'pki/a' } });
  assert.ok(existsSync(join(dir, 'pki/a/csrs/x.csr')));
});

test('a name is issued once; --force on new-cert replaces the request', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  caOk(dir, ['new-cert', '--ip', '10.0.0.1', 'n']);
  let r = ca(dir, ['new-cert', 'n']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /a request named n already exists; sign it with `ca sign n`, or pass --force/);
  caOk(dir, ['sign', 'n']);
  r = ca(dir, ['sign', 'n']);
  assert.match(r.stderr, /n is already signed/);
  r = ca(dir, ['new-cert', 'n']);
  assert.match(r.stderr, /a certificate named n already exists/);
  caOk(dir, ['new-cert', '--force', '--ip', '10.0.0.2', 'n']);
  caOk(dir, ['sign', 'n']);
  const index = storeIndex(join(dir, '.ca'));
  assert.deepEqual(index.certificates.filter((e) => e.name === 'n').map((e) => e.sans), [['IP:10.0.0.1'], ['IP:10.0.0.2']]);
});

test('validity: --days, --years, and clamping to the CA with a warning', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048', '--days', '100']);
  caOk(dir, ['new-cert', '--domain', 'a.example', '--profile', 'server', 'a']);
  const r = caOk(dir, ['sign', 'a']);
  assert.match(r.stderr, /warning: a would outlive the CA; its validity is cut to the CA's end/);
  const caEnd = new X509Certificate(readFileSync(join(dir, '.ca/ca.crt'))).validTo;
  assert.equal(new X509Certificate(readFileSync(join(dir, '.ca/certs/a.crt'))).validTo, caEnd);
  caOk(dir, ['new-cert', '--domain', 'b.example', 'b']);
  caOk(dir, ['sign', '--days', '30', 'b']);
  const b = new X509Certificate(readFileSync(join(dir, '.ca/certs/b.crt')));
  assert.equal(Math.round((new Date(b.validTo) - new Date(b.validFrom)) / 864e5), 30);
});

test('a server certificate without SAN, and one over 825 days, are issued with warnings', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  // A NAME that is no host name (an underscore) gets no SAN from itself (mkcert's habit is for host names).
  caOk(dir, ['new-cert', '--profile', 'server', 'bare_1']);
  const r = caOk(dir, ['sign', '--days', '900', 'bare_1']);
  assert.match(r.stderr, /bare_1 can serve TLS \(serverAuth\) but names no IP or DNS name \(SAN\): Go, Chrome and macOS reject/);
  assert.match(r.stderr, /more than 825 days: Apple platforms reject/);
  caOk(dir, ['new-cert', '--profile', 'client', 'alice']);
  assert.doesNotMatch(caOk(dir, ['sign', 'alice']).stderr, /warning/, 'a client certificate needs no SAN');
});

test('--json results parse', (t) => {
  const dir = tempDir(t);
  const init = JSON.parse(caOk(dir, ['init', '--key-bits', '2048', '--json']).out);
  assert.match(init.clusterId, /^[0-9a-f-]{36}$/);
  const req = JSON.parse(caOk(dir, ['new-cert', '--json', '--ip', '::1', 'n']).out);
  assert.deepEqual([req.name, req.status, req.sans], ['n', 'pending', ['IP:::1']]);
  const signed = JSON.parse(caOk(dir, ['sign', '--json', 'n']).out);
  assert.equal(signed.name, 'n');
  assert.match(signed.serial, /^[0-7][0-9a-f]{31}$/);
});
