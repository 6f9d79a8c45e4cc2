// flocker-ca's one-step commands, run as a user would: files, modes, names, usages, the index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ca, caOk, mode, storeIndex, tempDir, treeDigest } from '../helpers/ca.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const cert = (path) => new X509Certificate(readFileSync(path));
const index = (dir) => storeIndex(join(dir, '.ca'));
const clusterId = (dir) => JSON.parse(readFileSync(join(dir, '.ca/store.json'), 'utf8')).clusterId;

test('create-api-certificate USER: USER.crt and USER.key (0600), clientAuth only, CN user-USER, kept in the store', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  const r = caOk(dir, ['create-api-certificate', 'alice']);
  assert.equal(r.stderr, '✔ Created alice.crt and alice.key. Give them to the API user; keep alice.key secret.\n');
  assert.equal(r.out, 'alice.crt\nalice.key\n', 'every path written, on stdout');
  assert.equal(mode(join(dir, 'alice.key')), 0o600);
  assert.equal(mode(join(dir, 'alice.crt')), 0o644);
  const c = cert(join(dir, 'alice.crt'));
  assert.equal(c.subject, `OU=${clusterId(dir)}\nCN=user-alice`);
  assert.deepEqual(c.keyUsage, [CLIENT_AUTH]);
  assert.ok(c.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'alice.key')))));
  assert.equal(readFileSync(join(dir, '.ca/certs/alice.crt'), 'utf8'), readFileSync(join(dir, 'alice.crt'), 'utf8'));
  assert.equal(mode(join(dir, '.ca/keys/alice.key')), 0o600);
  assert.deepEqual(index(dir).certificates.at(-1).name, 'alice');
  assert.deepEqual(index(dir).certificates.at(-1).profile, 'api');
});

test('create-node-certificate: node-<uuid> name and CN, serverAuth + clientAuth, the SANs given', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  const out = JSON.parse(caOk(dir, ['create-node-certificate', '--ip', '10.0.0.5,fd00::5', '--domain', 'node5.internal', '--json']).out);
  assert.equal(out.length, 1);
  const [node] = out;
  assert.match(node.name, /^node-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(node.commonName, node.name);
  assert.equal(node.certificate, join(dir, `${node.name}.crt`));
  const c = cert(node.certificate);
  assert.equal(c.subject, `OU=${clusterId(dir)}\nCN=${node.name}`);
  assert.deepEqual(c.keyUsage, [SERVER_AUTH, CLIENT_AUTH]);
  assert.equal(c.subjectAltName, 'DNS:node5.internal, IP Address:10.0.0.5, IP Address:FD00:0:0:0:0:0:0:5');
  assert.equal(mode(node.key), 0o600);

  const named = JSON.parse(caOk(dir, ['create-node-certificate', '--name', 'db1', '--ip', '10.0.0.6', '--json']).out)[0];
  assert.equal(named.name, 'db1');
  assert.match(named.commonName, /^node-[0-9a-f-]{36}$/);
  assert.ok(readdirSync(dir).includes('db1.key'));
});

test('create-control-certificate HOST: CN control-service, SANs DNS:control-service and HOST, serverAuth only', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  caOk(dir, ['create-control-certificate', 'control.example.com']);
  let c = cert(join(dir, 'control-control.example.com.crt'));
  assert.equal(c.subject, `OU=${clusterId(dir)}\nCN=control-service`);
  assert.equal(c.subjectAltName, 'DNS:control-service, DNS:control.example.com');
  assert.deepEqual(c.keyUsage, [SERVER_AUTH]);
  caOk(dir, ['create-control-certificate', '10.0.0.2']);
  c = cert(join(dir, 'control-10.0.0.2.crt'));
  assert.equal(c.subjectAltName, 'DNS:control-service, IP Address:10.0.0.2');
  caOk(dir, ['create-control-certificate', 'fd00::2']);
  assert.equal(cert(join(dir, 'control-fd00--2.crt')).subjectAltName, 'DNS:control-service, IP Address:FD00:0:0:0:0:0:0:2');
  const bad = ca(dir, ['create-control-certificate', 'bad host']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid DNS name "bad host"/);
});

test('every certificate carries its own cluster id: two clusters are told apart', (t) => {
  const a = tempDir(t);
  const b = tempDir(t);
  for (const dir of [a, b]) {
    caOk(dir, ['init', '--key-bits', '2048']);
    caOk(dir, ['create-api-certificate', 'alice']);
  }
  assert.notEqual(clusterId(a), clusterId(b));
  for (const dir of [a, b]) {
    const ou = `OU=${clusterId(dir)}`;
    assert.ok(cert(join(dir, 'alice.crt')).subject.includes(ou));
    assert.ok(cert(join(dir, '.ca/ca.crt')).subject.includes(ou));
  }
});

test('no overwrite without --force: an existing name or output file is refused and the store is untouched', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  caOk(dir, ['create-api-certificate', 'alice']);
  const store = treeDigest(join(dir, '.ca'));
  const key = readFileSync(join(dir, 'alice.key'), 'utf8');
  let r = ca(dir, ['create-api-certificate', 'alice']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /a certificate named alice already exists/);
  assert.equal(treeDigest(join(dir, '.ca')), store);
  assert.equal(readFileSync(join(dir, 'alice.key'), 'utf8'), key);

  mkdirSync(join(dir, 'out'));
  caOk(dir, ['create-node-certificate', '--name', 'n1', '--ip', '10.0.0.1', '--out', 'out']);
  caOk(dir, ['create-api-certificate', '--out', 'out', 'bob']);
  const before = treeDigest(join(dir, '.ca'));
  r = ca(dir, ['create-api-certificate', '--out', 'out', 'n1']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /a certificate named n1 already exists/);
  assert.equal(treeDigest(join(dir, '.ca')), before);

  caOk(dir, ['create-api-certificate', '--force', 'alice']);
  assert.notEqual(readFileSync(join(dir, 'alice.key'), 'utf8'), key);
  assert.equal(index(dir).certificates.filter((e) => e.name === 'alice').length, 2);
  // A missing --out is made, 0700 (it holds keys); a file in its place is refused.
  caOk(dir, ['create-api-certificate', '--out', 'missing/deeper', 'carol']);
  assert.equal(mode(join(dir, 'missing')), 0o700);
  assert.equal(mode(join(dir, 'missing/deeper')), 0o700);
  assert.equal(mode(join(dir, 'missing/deeper/carol.key')), 0o600);
  writeFileSync(join(dir, 'a-file'), '');
  r = ca(dir, ['create-api-certificate', '--out', 'a-file', 'dave']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--out a-file is not a directory/);
});

test('--passphrase encrypts the new key; the CA passphrase comes from CA_PASSPHRASE; --days is honoured', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048'], { env: { CA_PASSPHRASE: 'ca-secret' } });
  const missing = ca(dir, ['create-api-certificate', 'alice']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /the CA key is encrypted and no passphrase was given; pass --ca-passphrase, --ca-passphrase-file or CA_PASSPHRASE/);
  caOk(dir, ['create-api-certificate', '--passphrase', 'user-secret', '--days', '30', 'alice'], { env: { CA_PASSPHRASE: 'ca-secret' } });
  const keyPem = readFileSync(join(dir, 'alice.key'), 'utf8');
  assert.match(keyPem, /ENCRYPTED PRIVATE KEY/);
  assert.ok(createPrivateKey({ key: keyPem, passphrase: 'user-secret' }));
  const c = cert(join(dir, 'alice.crt'));
  assert.equal(Math.round((new Date(c.validTo) - new Date(c.validFrom)) / 864e5), 30);
});

test('--count 20: twenty distinct valid node certificates and twenty index entries', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  mkdirSync(join(dir, 'nodes'));
  const r = caOk(dir, ['create-node-certificate', '--count', '20', '--ip', '127.0.0.1', '--out', 'nodes']);
  const written = r.out.trim().split('\n');
  assert.equal(written.length, 40, 'a certificate and a key each');
  assert.deepEqual(written.filter((p) => p.endsWith('.key')).map((p) => p.replace(/\.key$/, '.crt')), written.filter((p) => p.endsWith('.crt')));
  const paths = written.filter((p) => p.endsWith('.crt'));
  assert.equal(paths.length, 20);
  const caCert = cert(join(dir, '.ca/ca.crt'));
  const serials = new Set();
  const cns = new Set();
  const keys = new Set();
  for (const path of paths) {
    const c = cert(join(dir, path));
    assert.ok(c.checkIssued(caCert) && c.verify(caCert.publicKey), path);
    assert.ok(c.checkPrivateKey(createPrivateKey(readFileSync(join(dir, path.replace(/\.crt$/, '.key'))))));
    serials.add(c.serialNumber);
    cns.add(c.subject);
    keys.add(c.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'));
  }
  assert.equal(serials.size, 20);
  assert.equal(cns.size, 20);
  assert.equal(keys.size, 20, 'the key started before the command loaded goes to one certificate only');
  const entries = index(dir).certificates.filter((e) => e.profile === 'node');
  assert.equal(entries.length, 20);
  assert.equal(readdirSync(join(dir, 'nodes')).length, 40);
  assert.equal(readdirSync(join(dir, 'nodes')).filter((f) => f.endsWith('.key') && mode(join(dir, 'nodes', f)) !== 0o600).length, 0);
});

// The key a command makes is started before the CLI loads, guessed from argv and store.json
// (docs/performance.md, "Start-up"): whatever the guess, the key is the one the command asked for.
test('the key started early is the kind the store and the flags ask for, and each key is new', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  caOk(dir, ['init', '--store', 'ec', '--key-type', 'ecdsa']);
  const kind = (path) => {
    const key = cert(join(dir, path)).publicKey;
    return key.asymmetricKeyType === 'rsa' ? `rsa ${key.asymmetricKeyDetails.modulusLength}` : `${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim();
  };
  caOk(dir, ['create-api-certificate', 'a1']);
  caOk(dir, ['create-api-certificate', 'a2']);
  caOk(dir, ['create-api-certificate', '--key-bits', '3072', 'a3']);
  caOk(dir, ['create-api-certificate', '--key-type', 'ed25519', 'a4']);
  caOk(dir, ['--store', 'ec', 'create-api-certificate', 'e1']);
  caOk(dir, ['create-api-certificate', '--store=ec', 'e2']);
  mkdirSync(join(dir, 'nodes-below'));
  caOk(join(dir, 'nodes-below'), ['new-cert', 'n1']);
  caOk(join(dir, 'nodes-below'), ['sign', 'n1']);
  assert.deepEqual(
    ['a1.crt', 'a2.crt', 'a3.crt', 'a4.crt', 'e1.crt', 'e2.crt'].map(kind),
    ['rsa 2048', 'rsa 2048', 'rsa 3072', 'ed25519', 'ec prime256v1', 'ec prime256v1'],
  );
  const spki = (path) => cert(join(dir, path)).publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
  assert.notEqual(spki('a1.crt'), spki('a2.crt'));
  assert.equal(kind('.ca/certs/n1.crt'), 'rsa 2048', 'new-cert below the store: the store found upward');
});

test('bad input to the one-step commands is a usage error that changes nothing', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  const before = treeDigest(join(dir, '.ca'));
  for (const args of [
    ['create-api-certificate', '../alice'],
    ['create-api-certificate', 'ca'],
    ['create-node-certificate', '--count', '0'],
    ['create-node-certificate', '--count', 'many'],
    ['create-node-certificate', '--count', '2', '--name', 'x'],
    ['create-node-certificate', '--ip', '10.0.0.300'],
    ['create-node-certificate', '--key-bits', '1024'],
    ['create-api-certificate', '--days', '0', 'bob'],
  ]) {
    const r = ca(dir, args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^error: failed to /);
  }
  assert.equal(treeDigest(join(dir, '.ca')), before);
  assert.deepEqual(readdirSync(dir).sort(), ['.ca']);
});
