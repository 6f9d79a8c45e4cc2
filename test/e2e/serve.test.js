// `ca serve` endpoint by endpoint (SPEC "Online CA"): the right answer, and every refusal with its
// status: no credential (401), a certificate of another CA, revoked or expired (401), a credential
// that does not allow it (403), a token used twice, expired or asking beyond what it allows (403),
// a request the CLI would refuse (400, the CLI's reason), a body over 64 KiB (413), bad JSON (400),
// a wrong content type (415), an unknown path (404). A refusal changes nothing in the store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ca, caOk, needs, run, storeIndex, treeDigest } from '../helpers/ca.js';
import { craftRequest, pemRequest } from '../helpers/csr.js';
import { https, startServe } from '../helpers/serve.js';

let dir;
let server;
const f = (name) => join(dir, name);
const store = () => join(dir, '.ca');
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const csr = (opts = {}) => pemRequest(craftRequest({ key, algorithm: 'ec256', ...opts }));
const PEM = { 'content-type': 'application/pkcs10' };
const JSONH = { 'content-type': 'application/json' };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clusterca-serve-'));
  caOk(dir, ['init', '--key-type', 'ecdsa', 'serve-ca']);
  caOk(dir, ['create-api-certificate', '--admin', 'ops']);
  caOk(dir, ['create-api-certificate', '--admin', 'gone']);
  caOk(dir, ['create-api-certificate', 'alice']);
  caOk(dir, ['create-node-certificate', '--name', 'n1', '--ip', '127.0.0.1']);
  caOk(dir, ['export', '--out', 'ca.tar']);
  run('tar', ['xf', 'ca.tar'], { cwd: dir });
  mkdirSync(f('other'));
  caOk(f('other'), ['init', '--key-type', 'ecdsa', 'other-ca']);
  caOk(f('other'), ['create-api-certificate', '--admin', 'mallory']);
  server = await startServe(dir, ['--log', f('audit.jsonl')]);
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const as = (who) => ({ ca: f('ca.crt'), cert: f(`${who}.crt`), key: f(`${who}.key`) });
const url = (path) => `${server.url}${path}`;
const token = (...args) => caOk(dir, ['token', 'create', ...args]).out.trim();

test('anonymous endpoints: versions, health, the CA chain, the CRL (DER and PEM), 404 and 405', async () => {
  assert.deepEqual((await https(url('/v1/versions'), { ca: f('ca.crt') })).json().api, ['v1']);
  const health = await https(url('/v1/health'), { ca: f('ca.crt') });
  assert.equal(health.status, 200);
  assert.equal(health.json().status, 'ok');
  const chain = await https(url('/v1/ca'), { ca: f('ca.crt') });
  assert.equal(chain.headers['content-type'], 'application/x-pem-file');
  assert.equal(new X509Certificate(chain.text).fingerprint256, server.fingerprint);
  const crl = await https(url('/v1/crl'), { ca: f('ca.crt') });
  assert.equal(crl.headers['content-type'], 'application/pkix-crl');
  writeFileSync(f('served.crl'), crl.body);
  if (!needs('openssl', 'openssl')) {
    const check = run('openssl', ['crl', '-inform', 'DER', '-in', f('served.crl'), '-CAfile', f('ca.crt'), '-noout']);
    assert.match(check.stdout + check.stderr, /verify OK/);
  }
  assert.match((await https(url('/v1/crl?format=pem'), { ca: f('ca.crt') })).text, /^-----BEGIN X509 CRL-----/);
  const missing = await https(url('/v1/nothing'), { ca: f('ca.crt') });
  assert.deepEqual([missing.status, missing.json().error.code], [404, 'not-found']);
  const wrong = await https(url('/v1/versions'), { ca: f('ca.crt'), method: 'POST', body: '' });
  assert.deepEqual([wrong.status, wrong.headers.allow], [405, 'GET']);
});

test('POST /v1/sign by an administrator: a CSR body or JSON with a profile and a name; the answer is the chain', async () => {
  const plain = await https(url('/v1/sign'), { ...as('ops'), method: 'POST', headers: PEM, body: csr({ subject: [['CN', 'utf8', 'web1']], sans: [[2, 'web1.example.com']] }) });
  assert.equal(plain.status, 200, plain.text);
  const cert = new X509Certificate(plain.text);
  assert.equal(cert.subjectAltName, 'DNS:web1.example.com');
  assert.equal(plain.headers['x-certificate-serial'], cert.serialNumber.toLowerCase());
  const json = await https(url('/v1/sign'), { ...as('ops'), method: 'POST', headers: { ...JSONH, accept: 'application/json' }, body: JSON.stringify({ csr: csr(), profile: 'server', name: 'api7', days: 30 }) });
  assert.equal(json.status, 200, json.text);
  assert.equal(json.json().name, 'api7');
  const entry = storeIndex(store()).certificates.find((e) => e.name === 'api7');
  assert.equal(entry.profile, 'server');
  assert.ok(new Date(entry.notAfter) - new Date(entry.notBefore) < 31 * 86_400_000);
  if (!needs('openssl', 'openssl')) {
    writeFileSync(f('web1.crt'), plain.text);
    assert.equal(run('openssl', ['verify', '-CAfile', f('ca.crt'), f('web1.crt')]).status, 0);
  }
});

/** A refusal: the status and code, the message, and nothing changed in the store. */
async function refused(request, status, code, message) {
  const before = treeDigest(store());
  const r = await request();
  assert.equal(r.status, status, r.text);
  assert.equal(r.json().error.code, code);
  if (message) assert.match(r.json().error.message, message);
  assert.equal(treeDigest(store()), before, 'a refusal changes nothing');
}

test('POST /v1/sign refusals: no credential, another CA, a holder who is not an administrator, revoked and expired certificates', async () => {
  const post = (who, extra = {}) => https(url('/v1/sign'), { ca: f('ca.crt'), ...who, method: 'POST', headers: PEM, body: csr(), ...extra });
  await refused(() => post({}), 401, 'unauthenticated', /sign needs an administrator's client certificate or an enrollment token/);
  await refused(() => post({ cert: f('other/mallory.crt'), key: f('other/mallory.key') }), 401, 'unauthenticated', /client certificate is not valid here/);
  await refused(() => post(as('alice')), 403, 'forbidden', /a client certificate of this CA may not sign/);
  // Revoked with the CLI while the server runs: the next request already knows it (one store, one lock).
  caOk(dir, ['revoke', 'gone']);
  await refused(() => post(as('gone')), 401, 'unauthenticated', /is revoked/);
  // An expired administrator certificate, made with the CA's key: TLS itself refuses it.
  const { buildCertificate } = await import('../../dist/pki/certificate.js');
  const { computeValidity } = await import('../../dist/pki/validity.js');
  const { loadProfile } = await import('../../dist/store/profiles.js');
  const { parseCertificate } = await import('../../dist/pki/x509.js');
  const caKey = createPrivateKey(readFileSync(join(store(), 'ca.key')));
  const old = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  writeFileSync(f('old.crt'), buildCertificate({ subject: { commonName: 'admin-old' }, publicKey: old, serial: '0badd1', validity: computeValidity(new Date(Date.now() - 40 * 86_400_000), { days: 30 }), profile: await loadProfile('admin'), altNames: { dns: [], ips: [], uris: [], emails: [] }, issuer: { certificate: parseCertificate(readFileSync(f('ca.crt'), 'utf8')), key: caKey } }));
  writeFileSync(f('old.key'), old.export({ type: 'pkcs8', format: 'pem' }));
  await refused(() => post(as('old')), 401, 'unauthenticated', /certificate has expired|CERT_HAS_EXPIRED/i);
});

test('POST /v1/sign with tokens: what it allows, once; refused when used up, expired, or asked for more', async () => {
  const post = (t, body, headers = JSONH) => https(url('/v1/sign'), { ca: f('ca.crt'), method: 'POST', headers: { ...headers, authorization: `Bearer ${t}`, accept: 'application/json' }, body });
  const t1 = token('--profile', 'node', '--name', 'node7', '--ip', '10.0.0.7', '--domain', 'node7.internal');
  const ok = await post(t1, JSON.stringify({ csr: csr() }));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json().name, 'node7');
  assert.equal(new X509Certificate(ok.json().certificate).subjectAltName, 'DNS:node7.internal, IP Address:10.0.0.7', "the token's SANs");
  await refused(() => post(t1, JSON.stringify({ csr: csr() })), 403, 'forbidden', /is used up/);

  // Eight requests racing with one single-use token: one certificate.
  const raced = token('--profile', 'node', '--ip', '10.0.0.6');
  const answers = await Promise.all(Array.from({ length: 8 }, () => post(raced, JSON.stringify({ csr: csr() }))));
  assert.deepEqual(answers.map((a) => a.status).sort(), [200, 403, 403, 403, 403, 403, 403, 403]);
  assert.equal(storeIndex(store()).tokens.find((x) => x.id === raced.split('.')[0]).used, 1);

  const t2 = token('--profile', 'node', '--name', 'node8', '--ip', '10.0.0.8', '--uses', '5');
  await refused(() => post(t2, JSON.stringify({ csr: csr(), name: 'other' })), 403, 'forbidden', /allows the name node8, not other/);
  await refused(() => post(t2, JSON.stringify({ csr: csr(), profile: 'server' })), 403, 'forbidden', /allows profile node, not server/);
  await refused(() => post(t2, JSON.stringify({ csr: csr({ sans: [[7, Buffer.from([10, 0, 0, 9])]] }) })), 403, 'forbidden', /does not allow IP:10\.0\.0\.9/);
  await refused(() => post('0123456789ab.not-the-secret', JSON.stringify({ csr: csr() })), 401, 'unauthenticated', /token is not valid/);
  await refused(() => post('garbage', JSON.stringify({ csr: csr() })), 401, 'unauthenticated');

  // A token that expired: recorded by another process, read by the server from the journal.
  const expired = token('--profile', 'node', '--ip', '10.0.0.5', '--ttl', '1m');
  const { Store } = await import('../../dist/store/store.js');
  const s = await Store.open(store());
  await s.change(async (tx) => {
    const t = tx.index.tokens.find((x) => x.id === expired.split('.')[0]);
    tx.putToken({ ...t, expiresAt: new Date(Date.now() - 1000).toISOString() });
  });
  await refused(() => post(expired, JSON.stringify({ csr: csr() })), 403, 'forbidden', /is expired/);
});

test('a request the CLI would refuse is refused with the same reason (400)', async () => {
  const bad = csr({ sans: [[2, '*.com']] });
  writeFileSync(f('bad.csr'), bad);
  const cli = ca(dir, ['sign', '--csr', 'bad.csr', 'x']);
  const reason = /invalid DNS name "\*\.com": a wildcard needs at least two labels after "\*\."/;
  assert.match(cli.stderr, reason);
  await refused(() => https(url('/v1/sign'), { ...as('ops'), method: 'POST', headers: PEM, body: bad }), 400, 'bad-request', reason);
  await refused(() => https(url('/v1/sign'), { ...as('ops'), method: 'POST', headers: PEM, body: 'not a request' }), 400, 'bad-request', /not a valid certificate signing request|not a certificate signing request/);
});

test('bodies: over 64 KiB (413), malformed JSON (400), a wrong content type (415)', async () => {
  const post = (headers, body) => https(url('/v1/sign'), { ...as('ops'), method: 'POST', headers, body });
  await refused(() => post(PEM, 'x'.repeat(64 * 1024 + 1)), 413, 'too-large');
  await refused(() => post(JSONH, '{"csr": '), 400, 'bad-request', /not valid JSON/);
  await refused(() => post({ 'content-type': 'text/html' }, csr()), 415, 'unsupported-media-type');
  await refused(() => https(url('/v1/revoke'), { ...as('ops'), method: 'POST', headers: PEM, body: '{}' }), 415, 'unsupported-media-type');
});

test('POST /v1/renew: a certificate renews itself (same key, or the key of a request); a superseded one cannot', async () => {
  const renew = (who, body = '') => https(url('/v1/renew'), { ca: f('ca.crt'), ...who, method: 'POST', headers: PEM, body });
  const first = await renew({ cert: f('n1.crt'), key: f('n1.key') });
  assert.equal(first.status, 200, first.text);
  const renewed = new X509Certificate(first.text);
  assert.equal(renewed.subjectAltName, 'IP Address:127.0.0.1');
  assert.ok(renewed.publicKey.equals(new X509Certificate(readFileSync(f('n1.crt'))).publicKey), 'the same key');
  assert.deepEqual(storeIndex(store()).certificates.filter((e) => e.name === 'n1').map((e) => e.status), ['superseded', 'valid']);
  await refused(() => renew({ cert: f('n1.crt'), key: f('n1.key') }), 401, 'unauthenticated', /is superseded/);
  writeFileSync(f('n1b.crt'), first.text);
  const rekeyed = await renew({ cert: f('n1b.crt'), key: f('n1.key') }, csr());
  assert.equal(rekeyed.status, 200, rekeyed.text);
  assert.ok(new X509Certificate(rekeyed.text).publicKey.equals(createPublicKey(key)), 'the key of the request sent');
  await refused(() => renew({}), 401, 'unauthenticated');
});

test('POST /v1/revoke and GET /v1/certificates are for administrators; a revocation is in the next CRL', async () => {
  const target = storeIndex(store()).certificates.find((e) => e.name === 'api7');
  await refused(() => https(url('/v1/revoke'), { ...as('alice'), method: 'POST', headers: JSONH, body: JSON.stringify({ serial: target.serial }) }), 403, 'forbidden');
  const r = await https(url('/v1/revoke'), { ...as('ops'), method: 'POST', headers: JSONH, body: JSON.stringify({ serial: target.serial, reason: 'keyCompromise' }) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json().revoked[0].serial, target.serial);
  await refused(() => https(url('/v1/revoke'), { ...as('ops'), method: 'POST', headers: JSONH, body: JSON.stringify({ serial: 'abcdef' }) }), 404, 'not-found');
  if (!needs('openssl', 'openssl')) {
    writeFileSync(f('after.crl'), (await https(url('/v1/crl'), { ca: f('ca.crt') })).body);
    const text = run('openssl', ['crl', '-inform', 'DER', '-in', f('after.crl'), '-noout', '-text']).stdout.toLowerCase();
    assert.ok(text.includes(target.serial), 'the revoked serial is in the CRL served');
  }
  const list = await https(url('/v1/certificates'), as('ops'));
  assert.equal(list.status, 200);
  assert.ok(list.json().certificates.some((e) => e.name === 'api7' && e.status === 'revoked'));
  await refused(() => https(url('/v1/certificates'), { ca: f('ca.crt') }), 401, 'unauthenticated');
});

test('the audit log: one JSON line per issuance and refusal, with the credential and the client; never a secret', () => {
  const lines = readFileSync(f('audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const issued = lines.filter((l) => l.outcome === 'issued');
  assert.ok(issued.length >= 3);
  for (const l of issued) {
    assert.match(l.credential, /^(admin:[0-9a-f]+|token:[0-9a-f]{12})$/);
    assert.equal(l.client, '127.0.0.1');
    assert.match(l.serial, /^[0-9a-f]+$/);
  }
  assert.ok(lines.some((l) => l.outcome === 'refused' && l.status === 403 && /^token:/.test(l.credential)));
  const text = readFileSync(f('audit.jsonl'), 'utf8');
  const secrets = storeIndex(store()).tokens.map((t) => t.hash);
  assert.doesNotMatch(text, /PRIVATE KEY|CERTIFICATE REQUEST/);
  for (const s of secrets) assert.ok(!text.includes(s), 'no token hash');
  assert.ok(!/\.[A-Za-z0-9_-]{43}/.test(text), 'no token secret');
});
