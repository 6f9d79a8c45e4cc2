// What a caller of `ca serve` may put in the store (SPEC "Third wave": the online CA trusts no
// caller beyond its credential), written as the attacks that worked before: a name in a request
// body that walks out of the store or onto the CA's own files, a name no later command can read, a
// token whose CSR asks for another subject, and Magnum's `ca-sign` (a CSR whose CN is a person's
// name, no name given), which must work verbatim and under concurrency.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ca, caOk, run, storeIndex, treeDigest } from '../helpers/ca.js';
import { craftRequest, pemRequest } from '../helpers/csr.js';
import { https, startServe } from '../helpers/serve.js';

let dir;
let server;
const f = (name) => join(dir, name);
const store = () => join(dir, 'cluster/.ca');
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const csr = (opts = {}) => pemRequest(craftRequest({ key, algorithm: 'ec256', ...opts }));
const JSONH = { 'content-type': 'application/json', accept: 'application/json' };
const PEM = { 'content-type': 'application/pkcs10' };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clusterca-requests-'));
  mkdirSync(f('cluster'));
  caOk(f('cluster'), ['init', '--key-type', 'ecdsa', 'requests-ca']);
  caOk(f('cluster'), ['create-api-certificate', '--admin', '--out', dir, 'ops']);
  caOk(f('cluster'), ['export', '--out', f('ca.tar')]);
  run('tar', ['xf', 'ca.tar'], { cwd: dir });
  // A key outside the store that a name walking out of it would reach.
  mkdirSync(f('somewhere'));
  writeFileSync(f('somewhere/file.key'), 'not the store\'s\n');
  server = await startServe(f('cluster'), ['--log', f('audit.jsonl'), '--rate-limit', '100000']);
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const url = (path) => `${server.url}${path}`;
const admin = { ca: () => f('ca.crt'), cert: () => f('ops.crt'), key: () => f('ops.key') };
const asAdmin = () => ({ ca: admin.ca(), cert: admin.cert(), key: admin.key() });
const token = (...args) => caOk(f('cluster'), ['token', 'create', ...args]).out.trim();
const withToken = (t, body) => https(url('/v1/sign'), { ca: f('ca.crt'), method: 'POST', headers: { ...JSONH, authorization: `Bearer ${t}` }, body: JSON.stringify(body) });
const asAdminJson = (body) => https(url('/v1/sign'), { ...asAdmin(), method: 'POST', headers: JSONH, body: JSON.stringify(body) });

/** 400 bad-request, and not one byte of the store (the CA key and certificate above all) changed. */
async function refusedUntouched(request, message) {
  const before = treeDigest(store());
  const caKey = readFileSync(join(store(), 'ca.key'));
  const caCert = readFileSync(join(store(), 'ca.crt'));
  const r = await request();
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json().error.code, 'bad-request');
  if (message) assert.match(r.json().error.message, message);
  assert.deepEqual(readFileSync(join(store(), 'ca.key')), caKey, 'the CA key is untouched');
  assert.deepEqual(readFileSync(join(store(), 'ca.crt')), caCert, 'the CA certificate is untouched');
  assert.equal(treeDigest(store()), before, 'the store is byte-identical');
}

test('a token holder cannot name the CA, walk out of the store, or commit a name no command can read', async () => {
  const t = token('--profile', 'peer', '--ip', '127.0.0.1', '--uses', '10');
  await refusedUntouched(() => withToken(t, { csr: csr(), name: '../ca' }), /invalid name "\.\.\/ca"/);
  await refusedUntouched(() => withToken(t, { csr: csr(), name: '../../../somewhere/file' }), /invalid name/);
  assert.equal(readFileSync(f('somewhere/file.key'), 'utf8'), "not the store's\n", 'a key outside the store is untouched');
  await refusedUntouched(() => withToken(t, { csr: csr(), name: 'bad name' }), /invalid name "bad name"/);
  await refusedUntouched(() => withToken(t, { csr: csr(), name: 'ca-server' }), /reserved/);
  // Every later command still reads the store, and the token was not spent on the refusals.
  caOk(f('cluster'), ['list']);
  assert.equal(storeIndex(store()).tokens.find((x) => x.id === t.split('.')[0]).used, 0);
});

test("an administrator's name is checked too: \"ca\" with force does not replace the CA", async () => {
  await refusedUntouched(() => asAdminJson({ csr: csr(), name: 'ca', force: true }), /reserved for the CA itself/);
  await refusedUntouched(() => asAdminJson({ csr: csr(), name: 'CA', force: true }), /reserved/);
  await refusedUntouched(() => asAdminJson({ csr: csr(), name: 'x/../../ca' }), /invalid name/);
  assert.ok(existsSync(join(store(), 'ca.key')));
  const r = run('openssl', ['x509', '-in', join(store(), 'ca.crt'), '-noout', '-subject']);
  if (r.status === 0) assert.match(r.stdout, /CN ?= ?requests-ca/);
});

test("a token's certificate takes its subject from the token, never from the CSR", async () => {
  // Kubernetes reads O=system:masters as cluster-admin; etcd takes the CN as the user.
  const t = token('--profile', 'peer', '--name', 'etcd2', '--ip', '127.0.0.1');
  const forged = csr({ subject: [['O', 'utf8', 'system:masters'], ['CN', 'utf8', 'admin-ops']] });
  const r = await withToken(t, { csr: forged });
  assert.equal(r.status, 200, r.text);
  const cert = new X509Certificate(r.json().certificate);
  assert.match(cert.subject, /^CN=etcd2$/m);
  assert.doesNotMatch(cert.subject, /system:masters|admin-ops/);
  assert.ok(r.json().warnings.some((w) => /CN=admin-ops, O=system:masters.*not taken/.test(w)), JSON.stringify(r.json().warnings));

  // An IP-only token: the CN is the IP, not the `localhost` the CSR asked for (curl and OpenSSL
  // would take CN=localhost for the host localhost when there is no DNS SAN).
  const ipOnly = token('--profile', 'peer', '--ip', '127.0.0.1');
  const r2 = await withToken(ipOnly, { csr: csr({ subject: [['CN', 'utf8', 'localhost']] }) });
  assert.equal(r2.status, 200, r2.text);
  const c2 = new X509Certificate(r2.json().certificate);
  assert.match(c2.subject, /^CN=127\.0\.0\.1$/m);
  assert.equal(c2.subjectAltName, 'IP Address:127.0.0.1');
  assert.equal(c2.checkHost('localhost'), undefined, 'the certificate is not good for localhost');

  // `--organization` is the only way to an O.
  const withOrg = token('--profile', 'client', '--name', 'kubelet-7', '--organization', 'system:nodes');
  const r3 = await withToken(withOrg, { csr: csr({ subject: [['O', 'utf8', 'system:masters'], ['CN', 'utf8', 'x']] }) });
  assert.equal(r3.status, 200, r3.text);
  const c3 = new X509Certificate(r3.json().certificate);
  assert.match(c3.subject, /^O=system:nodes$/m);
  assert.match(c3.subject, /^CN=kubelet-7$/m);
  assert.doesNotMatch(c3.subject, /system:masters/);
});

test('a token for a serverAuth profile must allow a DNS name or an IP address', () => {
  for (const profile of ['server', 'peer', 'node']) {
    const before = treeDigest(store());
    const r = ca(f('cluster'), ['token', 'create', '--profile', profile, '--name', 'web']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`a token for profile ${profile} \\(serverAuth\\) must allow a DNS name or an IP address`));
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(treeDigest(store()), before);
  }
  caOk(f('cluster'), ['token', 'create', '--profile', 'client', '--name', 'bob']);
});

test("Magnum's ca-sign verbatim: an administrator's CSR whose CN is a person's name, no name given", async () => {
  const magnum = csr({ subject: [['CN', 'utf8', 'Your Name']] });
  const plain = await https(url('/v1/sign'), { ...asAdmin(), method: 'POST', headers: PEM, body: magnum });
  assert.equal(plain.status, 200, plain.text);
  const cert = new X509Certificate(plain.text);
  const serial = cert.serialNumber.toLowerCase();
  assert.equal(plain.headers['x-certificate-name'], `Your-Name-${serial.slice(0, 8)}`);
  assert.match(cert.subject, /^CN=Your Name$/m);

  // 120 at once, of one CSR: 120 certificates, each under a name of its own, all in the index.
  const answers = await Promise.all(Array.from({ length: 120 }, () => asAdminJson({ csr: magnum })));
  assert.deepEqual([...new Set(answers.map((a) => a.status))], [200], answers.find((a) => a.status !== 200)?.text);
  const names = answers.map((a) => a.json().name);
  assert.equal(new Set(names).size, 120);
  for (const a of answers) assert.equal(a.json().name, `Your-Name-${a.json().serial.slice(0, 8)}`);
  const index = storeIndex(store());
  for (const name of names) assert.ok(index.certificates.some((e) => e.name === name && e.status === 'valid'), name);
  // The audit log names what it recorded.
  const log = readFileSync(f('audit.jsonl'), 'utf8');
  assert.ok(log.includes(`"name":"${names[0]}"`));

  // The command-line client, as Magnum's ca-sign runs it.
  writeFileSync(f('client.csr'), magnum);
  const cli = caOk(dir, ['sign', '--server', server.url, '--fingerprint', server.fingerprint, '--cert', f('ops.crt'), '--key', f('ops.key'), '--csr', f('client.csr'), '--out', f('client.crt')]);
  assert.match(new X509Certificate(readFileSync(f('client.crt'))).subject, /^CN=Your Name$/m, cli.stderr);
});

test('ca sign --csr without NAME: a CN that cannot be a name gives a name made from it and the serial', () => {
  writeFileSync(f('person.csr'), csr({ subject: [['CN', 'utf8', 'Jane Q. Public / Ops']] }));
  const r = caOk(f('cluster'), ['sign', '--csr', f('person.csr'), '--json']);
  const entry = JSON.parse(r.out);
  assert.equal(entry.name, `Jane-Q.-Public---Ops-${entry.serial.slice(0, 8)}`);
  // A reserved CN is never taken as a name.
  writeFileSync(f('reserved.csr'), csr({ subject: [['CN', 'utf8', 'ca']] }));
  const r2 = JSON.parse(caOk(f('cluster'), ['sign', '--csr', f('reserved.csr'), '--json']).out);
  assert.match(r2.name, /^ca-[0-9a-f]{8}$/);
});

test('a token named after a certificate of another profile may not replace it', async () => {
  caOk(f('cluster'), ['create-api-certificate', '--admin', '--out', dir, 'ops2']);
  const refused = ca(f('cluster'), ['token', 'create', '--profile', 'client', '--name', 'ops2']);
  assert.equal(refused.status, 1, refused.stderr);
  assert.match(refused.stderr, /ops2 is a certificate of profile admin in force: a token for profile client may not replace it/);
  // A node enrolling again under its own name still may.
  const first = token('--profile', 'node', '--name', 'node9', '--ip', '10.0.0.9');
  assert.equal((await withToken(first, { csr: csr() })).status, 200);
  const again = token('--profile', 'node', '--name', 'node9', '--ip', '10.0.0.9');
  assert.equal((await withToken(again, { csr: csr() })).status, 200);
  // ops2 is still an administrator.
  const listed = await https(url('/v1/certificates'), { ca: f('ca.crt'), cert: f('ops2.crt'), key: f('ops2.key') });
  assert.equal(listed.status, 200, listed.text);
});

test("a token holder may not take the CN of another certificate in force", async () => {
  caOk(f('cluster'), ['create-api-certificate', '--out', dir, 'alice']);
  const t = token('--profile', 'client', '--uses', '2');
  const before = treeDigest(store());
  const r = await withToken(t, { csr: csr(), name: 'user-alice' });
  assert.equal(r.status, 403, r.text);
  assert.match(r.json().error.message, /the CN user-alice is that of certificate alice \(api\)/);
  assert.equal(treeDigest(store()), before);
  const ok = await withToken(t, { csr: csr(), name: 'svc-backup' });
  assert.equal(ok.status, 200, ok.text);
  assert.match(new X509Certificate(ok.json().certificate).subject, /^CN=svc-backup$/m);
});

test('a caller learns nothing before its token is verified, and text fields must be text', async () => {
  const made = '000000000000.not-a-secret';
  for (const body of [{ csr: csr(), name: '../ca' }, { csr: 'not a request' }, { csr: csr(), profile: 'ca' }]) {
    const r = await withToken(made, body);
    assert.equal(r.status, 401, r.text);
  }
  for (const name of [null, 5, ['a'], true, {}]) {
    await refusedUntouched(() => asAdminJson({ csr: csr(), name }), /"name" must be a string/);
  }
});

test('with --api-ca-file, the start-up hint is the way clients get in there, not token enrollment', async () => {
  const strict = await startServe(f('cluster'), ['--api-ca-file', f('ca.crt')]);
  try {
    for (let i = 0; i < 50 && !/Clients/.test(strict.log()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(strict.log(), /Clients present a certificate of --api-ca-file: `ca sign --server https:\/\/127\.0\.0\.1:\d+ --cert CERT --key KEY --csr FILE`/);
    assert.doesNotMatch(strict.log(), /ca enroll/);
  } finally {
    await strict.stop();
  }
  assert.match(server.log(), /Clients: `ca enroll --server /);
});
