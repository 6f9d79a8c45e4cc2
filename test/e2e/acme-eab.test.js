// External Account Binding in `ca serve --acme --acme-eab` (SPEC "ACME", RFC 8555 7.3.4): lego
// --eab gets a certificate with a key id and HMAC key from `ca token create --acme`; then what a
// client without a key, with a wrong one, or with a key for other names would try, each refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ca, caOk, needs, run } from '../helpers/ca.js';
import { accountKey, acmeClient, assertProblem, eabBinding, freeTcpPort, startTestDns } from '../helpers/acme.js';
import { https, startServe } from '../helpers/serve.js';

const skip = needs('pebble-challtestsrv', 'pebble') || needs('openssl', 'openssl');
let dir;
let server;
let dns;
let httpPort;
const f = (...p) => join(dir, ...p);
let acme;

const serveArgs = (...extra) => ['--acme', '--acme-allow', 'example.test', '--acme-resolver', `127.0.0.1:${dns.port}`, '--acme-http-port', String(httpPort), ...extra];

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'clusterca-acme-eab-'));
  caOk(dir, ['init', '--key-type', 'ecdsa', 'eab-ca']);
  caOk(dir, ['export', '--format', 'pem', '--out', 'ca.crt']);
  dns = await startTestDns();
  httpPort = await freeTcpPort();
  server = await startServe(dir, serveArgs('--acme-eab'));
  acme = acmeClient(() => server.url, f('ca.crt'));
});
after(async () => {
  await server?.stop();
  dns?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An ACME token: { kid, hmac, ... } as `ca token create --acme --json` prints it. */
function acmeToken(...args) {
  return JSON.parse(caOk(dir, ['token', 'create', '--acme', '--json', ...args]).out);
}

const tokens = () => Object.fromEntries(JSON.parse(caOk(dir, ['token', 'list', '--json']).out).map((t) => [t.id, t]));
const listed = () => JSON.parse(caOk(dir, ['list', '--json']).out);
const legoEnv = () => ({ ...process.env, LEGO_CA_CERTIFICATES: f('ca.crt') });
const lego = (path, name, extra) => run('lego', ['--server', `${server.url}/acme/directory`, '--accept-tos', '--email', 'eab@example.test', '--path', f(path), '--domains', name, '--http', '--http.port', `127.0.0.1:${httpPort}`, ...extra, 'run'], { env: legoEnv(), timeout: 60_000 });

test('ca token create --acme prints a key id and an HMAC key; --json {"kid","hmac",…}; the store shows neither secret again', { skip }, () => {
  const plain = caOk(dir, ['token', 'create', '--acme', '--domain', 'p.example.test']);
  const m = /^kid: ([0-9a-f]{12})\nhmac: ([A-Za-z0-9_-]{43})\n$/.exec(plain.out);
  assert.ok(m, plain.out);
  assert.equal(Buffer.from(m[2], 'base64url').length, 32);
  assert.match(plain.stderr, new RegExp(`--eab --kid ${m[1]} --hmac HMAC`), 'the key goes to stdout only: a script capturing stdout keeps it out of its logs');
  const t = acmeToken('--domain', 'q.example.test', '--uses', '2', '--ttl', '2h');
  assert.match(t.kid, /^[0-9a-f]{12}$/);
  assert.equal(Buffer.from(t.hmac, 'base64url').toString('base64url'), t.hmac);
  assert.equal(Buffer.from(t.hmac, 'base64url').length, 32);
  assert.equal(t.id, t.kid);
  assert.equal(t.kind, 'acme');
  assert.equal(t.uses, 2);
  assert.equal(t.profile, 'server');
  assert.deepEqual(t.sans, ['DNS:q.example.test']);
  assert.ok(Math.abs(new Date(t.expiresAt) - Date.now() - 2 * 3600_000) < 60_000, t.expiresAt);
  assert.equal(t.hash, undefined);
  const shown = tokens()[t.kid];
  assert.equal(shown.kind, 'acme');
  assert.equal(shown.hmac, undefined, 'ca token list never shows the HMAC key');
  assert.doesNotMatch(caOk(dir, ['token', 'list']).out + caOk(dir, ['token', 'list', '--json']).out, new RegExp(t.hmac));
  assert.match(caOk(dir, ['token', 'list']).out, new RegExp(`${t.kid}\\s+acme\\s+server`));
  // An ACME certificate is named by its order: --name cannot be kept, so it is refused, not ignored.
  const named = ca(dir, ['token', 'create', '--acme', '--name', 'web']);
  assert.equal(named.status, 2, named.stderr);
  assert.match(named.stderr, /--name does not go with --acme/);
});

test('the directory says externalAccountRequired; a new account without a binding is refused so', { skip }, async () => {
  const d = await https(`${server.url}/acme/directory`, { ca: f('ca.crt') });
  assert.equal(d.json().meta.externalAccountRequired, true);
  assertProblem(await acme.newAccount(accountKey()), 'externalAccountRequired', 400);
});

test('lego --eab obtains a certificate of its token\'s profile; lego without --eab, or with a wrong HMAC key, gets no account', { skip: skip || needs('lego', 'lego') }, () => {
  // peer, not the server's --acme-profile (server): the token's profile is the certificate's.
  const t = acmeToken('--domain', 'eab.example.test', '--profile', 'peer');
  const without = lego('lego-none', 'eab.example.test', []);
  assert.notEqual(without.status, 0, without.stdout + without.stderr);
  assert.match(without.stdout + without.stderr, /External Account Binding|externalAccountRequired/i);
  const wrongKey = Buffer.alloc(32, 7).toString('base64url');
  const wrong = lego('lego-wrong', 'eab.example.test', ['--eab', '--kid', t.kid, '--hmac', wrongKey]);
  assert.notEqual(wrong.status, 0, wrong.stdout + wrong.stderr);
  assert.match(wrong.stdout + wrong.stderr, /unauthorized.*MAC does not verify/);
  assert.equal(tokens()[t.kid].used, 0, 'a refused binding spends nothing');
  const r = lego('lego-eab', 'eab.example.test', ['--eab', '--kid', t.kid, '--hmac', t.hmac]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const cert = f('lego-eab', 'certificates', 'eab.example.test.crt');
  const v = run('openssl', ['verify', '-CAfile', f('ca.crt'), '-untrusted', cert, cert]);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(tokens()[t.kid].used, 1);
  assert.deepEqual(listed().filter((e) => e.sans.includes('DNS:eab.example.test')).map((e) => e.profile), ['peer']);
});

test('a bound account may order only its token\'s names, and always within --acme-allow', { skip }, async () => {
  const t = acmeToken('--domain', 'only.example.test', '--domain', 'bank.example.com', '--ip', '127.0.0.1');
  const acct = accountKey();
  assert.equal((await acme.newAccount(acct, t)).status, 201);
  const other = await acme.newOrder(acct, ['other.example.test']);
  assertProblem(other, 'rejectedIdentifier', 400);
  assert.match(other.data.detail, /other\.example\.test is not allowed to this account: its ACME token [0-9a-f]{12} allows only\.example\.test/);
  assertProblem(await acme.newOrder(acct, ['only.example.test', 'sub.only.example.test']), 'rejectedIdentifier', 400);
  assertProblem(await acme.newOrder(acct, ['*.only.example.test']), 'rejectedIdentifier', 400);
  // Listed by the token, but outside --acme-allow: the server's policy still holds.
  assertProblem(await acme.newOrder(acct, ['bank.example.com']), 'rejectedIdentifier', 400);
  assert.equal((await acme.newOrder(acct, ['only.example.test'])).status, 201);
});

/** An http-01 responder on the validation port answering every token for `acct`. */
async function validate(acct, authzUrl) {
  const authz = (await acme.post(acct, authzUrl, '')).data;
  const challenge = authz.challenges.find((c) => c.type === 'http-01');
  const s = createServer((req, res) => res.end(`${challenge.token}.${acct.thumbprint}`));
  await new Promise((r) => s.listen(httpPort, '127.0.0.1', r));
  try {
    const c = await acme.post(acct, challenge.url, {});
    assert.equal(c.data.status, 'valid', c.text);
  } finally {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
}

test('once its token is revoked, a bound account can neither finalize a ready order nor order again', { skip }, async () => {
  const t = acmeToken('--domain', 'rev.example.test');
  const acct = accountKey();
  assert.equal((await acme.newAccount(acct, t)).status, 201);
  const made = await acme.newOrder(acct, ['rev.example.test']);
  assert.equal(made.status, 201, made.text);
  await validate(acct, made.data.authorizations[0]);
  caOk(dir, ['token', 'revoke', t.kid]);
  const key = f('rev.key');
  const csr = f('rev.der');
  const g = run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/', '-addext', 'subjectAltName=DNS:rev.example.test', '-outform', 'DER', '-out', csr]);
  assert.equal(g.status, 0, g.stderr);
  const before = listed().length;
  const fin = await acme.post(acct, made.data.finalize, { csr: readFileSync(csr).toString('base64url') });
  assertProblem(fin, 'unauthorized', 403);
  assert.match(fin.data.detail, new RegExp(`ACME token ${t.kid} was revoked at .*ca token create --acme`));
  assert.equal(listed().length, before, 'nothing is issued');
  const again = await acme.newOrder(acct, ['rev.example.test']);
  assertProblem(again, 'unauthorized', 403);
  assert.match(again.data.detail, /was revoked/);
});

test('a token of one use binds one account: a second key is unauthorized, and so is the loser of two at once', { skip }, async () => {
  const t = acmeToken();
  assert.equal((await acme.newAccount(accountKey(), t)).status, 201);
  const second = await acme.newAccount(accountKey(), t);
  assertProblem(second, 'unauthorized', 403);
  assert.match(second.data.detail, /used up/);
  const once = acmeToken();
  const both = await Promise.all([acme.newAccount(accountKey(), once), acme.newAccount(accountKey(), once)]);
  assert.deepEqual(both.map((r) => r.status).sort(), [201, 403], both.map((r) => r.text).join('\n'));
  assert.equal(tokens()[once.kid].used, 1);
  // One key registering twice at once (a client retrying) is one account, and spends one use.
  const twice = acmeToken('--uses', '2');
  const key = accountKey();
  const same = await Promise.all([acme.newAccount(key, twice), acme.newAccount({ ...key }, twice)]);
  assert.deepEqual(same.map((r) => r.status).sort(), [200, 201], same.map((r) => r.text).join('\n'));
  assert.equal(same[0].headers.location, same[1].headers.location);
  assert.equal(tokens()[twice.kid].used, 1);
});

test('a binding of another key, an enrollment token as key, an ACME token at /v1/sign: each refused', { skip }, async () => {
  const t = acmeToken();
  const acct = accountKey();
  const other = accountKey();
  // A binding someone made for their own key, replayed by another account key.
  const stolen = await acme.newAccount(acct, eabBinding(other, { ...t, url: `${server.url}/acme/new-account` }));
  assertProblem(stolen, 'unauthorized', 403);
  assert.match(stolen.data.detail, /binds another key/);
  // An enrollment token's id and secret, used as a key id and HMAC key.
  const enrollment = caOk(dir, ['token', 'create', '--profile', 'server', '--domain', 'n.example.test']).out.trim();
  const [id, secret] = enrollment.split('.');
  assertProblem(await acme.newAccount(acct, { kid: id, hmac: secret }), 'unauthorized', 403);
  // An ACME token given to `ca enroll`: refused, and not spent.
  const enroll = ca(dir, ['enroll', '--server', server.url, '--fingerprint', server.fingerprint, '--token', `${t.kid}.${t.hmac}`, '--out', 'enrolled', 'n1']);
  assert.notEqual(enroll.status, 0, enroll.stdout);
  assert.match(enroll.stderr, /is an ACME token/);
  assert.equal(tokens()[t.kid].used, 0);
  assert.equal(tokens()[id].used, 0);
});

test('without --acme-eab a binding sent is still checked and binds; with it again, an unbound account may not order', { skip }, async () => {
  const port = new URL(server.url).port;
  await server.stop();
  server = await startServe(dir, ['--listen', `127.0.0.1:${port}`, ...serveArgs()]);
  const d = await https(`${server.url}/acme/directory`, { ca: f('ca.crt') });
  assert.equal(d.json().meta.externalAccountRequired, false);
  const t = acmeToken('--domain', 'bound.example.test');
  assertProblem(await acme.newAccount(accountKey(), { kid: t.kid, hmac: Buffer.alloc(32).toString('base64url') }), 'unauthorized', 403);
  const bound = accountKey();
  assert.equal((await acme.newAccount(bound, t)).status, 201);
  assertProblem(await acme.newOrder(bound, ['free.example.test']), 'rejectedIdentifier', 400);
  const unbound = accountKey();
  assert.equal((await acme.newAccount(unbound)).status, 201);
  assert.equal((await acme.newOrder(unbound, ['free.example.test'])).status, 201);
  await server.stop();
  server = await startServe(dir, ['--listen', `127.0.0.1:${port}`, ...serveArgs('--acme-eab')]);
  const refused = await acme.newOrder(unbound, ['free.example.test']);
  assertProblem(refused, 'unauthorized', 403);
  assert.match(refused.data.detail, /requires External Account Binding and this account has none/);
  // The binding is in the store: after the restart the bound account is still held to its token.
  assertProblem(await acme.newOrder(bound, ['free.example.test']), 'rejectedIdentifier', 400);
  assert.equal((await acme.newOrder(bound, ['bound.example.test'])).status, 201);
});

test('--acme-eab without --acme is a usage error', { skip }, () => {
  const r = ca(dir, ['serve', '--acme-eab', '--listen', '127.0.0.1:0']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--acme-eab goes with --acme/);
});
