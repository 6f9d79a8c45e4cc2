// The clients of `ca serve` as a user runs them (SPEC "Online CA", clients): `ca enroll`, `ca renew
// --server`, `ca sign --server` (Magnum's ca-sign) and `ca export --server` (ca-show). The CA is
// pinned by its fingerprint in every spelling openssl and `ca show` use; a wrong one, a used token or
// a revoked certificate is a one-line error with exit status 1 and nothing written; keys are 0600.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ca, caOk, needs, run } from '../helpers/ca.js';
import { startServe } from '../helpers/serve.js';

let dir;
let server;
const f = (...p) => join(dir, ...p);
const token = (...args) => caOk(dir, ['token', 'create', ...args]).out.trim();
const mode = (p) => statSync(p).mode & 0o777;
const snapshot = (d) => Object.fromEntries(readdirSync(d).sort().map((n) => [n, readFileSync(join(d, n), 'utf8')]));

/** A one-line error with exit status `status` and no stack trace. */
function refused(r, status, pattern) {
  assert.equal(r.status, status, r.stderr);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length <= 2, true, r.stderr); // the error and its hint
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clusterca-clients-'));
  caOk(dir, ['init', '--key-type', 'ecdsa', 'clients-ca']);
  caOk(dir, ['create-api-certificate', '--admin', 'ops']);
  caOk(dir, ['export', '--format', 'pem', '--out', 'ca.crt']);
  server = await startServe(dir);
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('ca enroll: the key made here (0600) in a new 0700 directory, the certificate and ca.crt; the fingerprint in any spelling', () => {
  const hex = server.fingerprint.replaceAll(':', '');
  const spellings = [server.fingerprint, hex.toLowerCase(), `sha256 Fingerprint=${server.fingerprint}`];
  spellings.forEach((fp, i) => {
    const out = f(`node${i}`);
    const r = caOk(dir, ['enroll', '--server', server.url, '--fingerprint', fp, '--token', token('--profile', 'node', '--name', `node${i}`, '--ip', '127.0.0.1'), '--out', out, `node${i}`]);
    assert.match(r.stderr, new RegExp(`Enrolled as node${i} \\(serial [0-9a-f]+`));
    assert.deepEqual(readdirSync(out).sort(), ['ca.crt', `node${i}.crt`, `node${i}.key`]);
    assert.equal(mode(out), 0o700);
    assert.equal(mode(join(out, `node${i}.key`)), 0o600);
    const cert = new X509Certificate(readFileSync(join(out, `node${i}.crt`)));
    assert.ok(cert.checkPrivateKey(createPrivateKey(readFileSync(join(out, `node${i}.key`)))));
    assert.ok(cert.verify(new X509Certificate(readFileSync(f('ca.crt'))).publicKey));
    assert.equal(cert.subjectAltName, 'IP Address:127.0.0.1');
  });
  // The store on the CA host has them; the key never left the node.
  const listed = JSON.parse(caOk(dir, ['list', '--json']).out);
  for (let i = 0; i < spellings.length; i++) assert.ok(listed.some((c) => c.name === `node${i}`), `node${i} recorded`);
  assert.ok(!existsSync(f('.ca', 'keys', 'node0.key')) && !readdirSync(f('.ca')).some((n) => n.endsWith('.key') && n !== 'ca.key'));
});

test('ca enroll refusals: a wrong fingerprint sends nothing; a used token, a name it does not allow, files already there', () => {
  const wrong = 'AA'.repeat(32);
  const t1 = token('--name', 'web1', '--domain', 'web1.internal');
  const r1 = ca(dir, ['enroll', '--server', server.url, '--fingerprint', wrong, '--token', t1, '--out', 'w', 'web1']);
  refused(r1, 1, /fingerprint/i);
  assert.ok(!existsSync(f('w')), 'nothing written');
  // The token was not spent by the refused attempt: the server never saw it.
  caOk(dir, ['enroll', '--server', server.url, '--fingerprint', server.fingerprint, '--token', t1, '--out', 'w', 'web1']);
  const before = snapshot(f('w'));
  refused(ca(dir, ['enroll', '--server', server.url, '--fingerprint', server.fingerprint, '--token', t1, '--out', 'w2', 'web1']), 1, /refused the enrollment: .*(used|spent)/i);
  refused(ca(dir, ['enroll', '--server', server.url, '--fingerprint', server.fingerprint, '--token', token('--name', 'web2', '--domain', 'web2.internal'), '--out', 'w3', 'web3']), 1, /refused the enrollment/);
  assert.ok(!existsSync(f('w2')) && !existsSync(f('w3')));
  refused(ca(dir, ['enroll', '--server', server.url, '--fingerprint', server.fingerprint, '--token', token('--name', 'web1', '--domain', 'web1.internal'), '--out', 'w', 'web1']), 1, /exists|--force/);
  assert.deepEqual(snapshot(f('w')), before, 'files already there are kept without --force');
  caOk(dir, ['enroll', '--force', '--server', server.url, '--fingerprint', server.fingerprint, '--token', token('--name', 'web1', '--domain', 'web1.internal'), '--out', 'w', 'web1']);
  assert.notEqual(snapshot(f('w'))['web1.crt'], before['web1.crt']);
  refused(ca(dir, ['enroll', '--server', server.url, '--fingerprint', server.fingerprint, 'x']), 2, /token/);
  refused(ca(dir, ['enroll', '--server', server.url, '--fingerprint', 'abc', '--token', 'x.y']), 2, /fingerprint/);
  refused(ca(dir, ['enroll', '--server', 'http://127.0.0.1:1', '--fingerprint', wrong, '--token', 'x.y']), 2, /https/);
});

test('ca renew --server: the certificate replaced in place, the same key or a new one (0600); a revoked certificate cannot renew', () => {
  caOk(dir, ['enroll', '--server', server.url, '--fingerprint', server.fingerprint, '--token', token('--profile', 'node', '--name', 'r1', '--ip', '127.0.0.1'), '--out', 'r', 'r1']);
  const crt = f('r', 'r1.crt');
  const key = f('r', 'r1.key');
  const first = new X509Certificate(readFileSync(crt));
  const firstKey = readFileSync(key, 'utf8');
  const r = caOk(dir, ['renew', '--server', server.url, '--cert', crt, '--key', key]);
  const second = new X509Certificate(readFileSync(crt));
  assert.notEqual(second.serialNumber, first.serialNumber, r.stderr);
  assert.equal(second.subjectAltName, first.subjectAltName);
  assert.equal(readFileSync(key, 'utf8'), firstKey, 'the same key');

  caOk(dir, ['renew', '--server', server.url, '--cert', crt, '--key', key, '--new-key']);
  const third = new X509Certificate(readFileSync(crt));
  assert.notEqual(readFileSync(key, 'utf8'), firstKey, 'a new key');
  assert.equal(mode(key), 0o600);
  assert.ok(third.checkPrivateKey(createPrivateKey(readFileSync(key))));
  assert.deepEqual(readdirSync(f('r')).sort(), ['ca.crt', 'r1.crt', 'r1.key'], 'no temporary file left');

  caOk(dir, ['revoke', 'r1']);
  const held = snapshot(f('r'));
  refused(ca(dir, ['renew', '--server', server.url, '--cert', crt, '--key', key]), 1, /401: .*revoked/i);
  assert.deepEqual(snapshot(f('r')), held, 'nothing replaced');
  refused(ca(dir, ['renew', '--server', server.url, '--cert', crt]), 2, /--key/);
});

test("ca sign --server (Magnum's ca-sign): an openssl request signed for an administrator or with a token; refused for anyone else", { skip: needs('openssl', 'openssl') }, () => {
  run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('client.key'), '-subj', '/CN=client', '-out', f('client.csr')]);
  const r = caOk(dir, ['sign', '--server', server.url, '--cert', 'ops.crt', '--key', 'ops.key', '--profile', 'client', '--csr', 'client.csr']);
  writeFileSync(f('client.crt'), r.stdout);
  const v = run('openssl', ['verify', '-CAfile', f('ca.crt'), '-purpose', 'sslclient', f('client.crt')]);
  assert.equal(v.status, 0, v.stderr);

  run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('t.key'), '-subj', '/CN=tokened', '-out', f('t.csr')]);
  caOk(dir, ['sign', '--server', server.url, '--fingerprint', server.fingerprint, '--token', token('--profile', 'client', '--name', 'tokened'), '--csr', 't.csr', '--out', 't.crt']);
  assert.match(new X509Certificate(readFileSync(f('t.crt'))).subject, /CN=tokened/);

  caOk(dir, ['create-api-certificate', 'bob']);
  refused(ca(dir, ['sign', '--server', server.url, '--cert', 'bob.crt', '--key', 'bob.key', '--csr', 'client.csr', 'someone']), 1, /refused to sign: .*admin/i);
  refused(ca(dir, ['sign', '--server', server.url, '--csr', 'client.csr']), 2, /credential/);
});

test("ca export --server (Magnum's ca-show): PEM by default, the CA the fingerprint names; a wrong one is refused", () => {
  const pem = caOk(dir, ['export', '--server', server.url, '--fingerprint', server.fingerprint.toLowerCase()]).out;
  assert.equal(pem, readFileSync(f('ca.crt'), 'utf8'));
  const tar = caOk(dir, ['export', '--server', server.url, '--fingerprint', server.fingerprint, '--format', 'tar']).stdout;
  assert.equal(tar.length % 512, 0, 'a tar archive');
  refused(ca(dir, ['export', '--server', server.url, '--fingerprint', 'AB'.repeat(32)]), 1, /fingerprint/i);
  refused(ca(dir, ['export', '--server', server.url]), 2, /--fingerprint/);
});
