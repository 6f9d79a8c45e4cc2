// `ca serve --acme` (SPEC "ACME", RFC 8555) as an attacker holding an account would use it: requests
// sent at once so that checks made on a copy of the ACME state, outside the store change that
// writes it, all pass (finalize, deactivation, key rollover); a CSR for the account key itself; a
// name the server lets a client order and validate but never issues; an http-01 redirect on the
// default validation port; Host headers that name the server with its port, or name no host.
// Each test is the attack, asserting what a sound server answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caOk, needs, run } from '../helpers/ca.js';
import { accountKey, acmeClient, assertProblem, freeTcpPort, innerKeyChange, startTestDns } from '../helpers/acme.js';
import { startServe } from '../helpers/serve.js';

const skip = needs('pebble-challtestsrv', 'pebble') || needs('openssl', 'openssl');
let dir;
let server;
let dns;
let http;
let acme;
const f = (...p) => join(dir, ...p);
/** http-01 answers by token: every validation of the tests below is answered right. */
const answers = new Map();

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'clusterca-acme-attacks-'));
  caOk(dir, ['init', '--key-type', 'ecdsa', 'attacks-ca']);
  caOk(dir, ['export', '--format', 'pem', '--out', 'ca.crt']);
  dns = await startTestDns();
  const httpPort = await freeTcpPort();
  http = createServer((req, res) => res.end(answers.get(req.url.split('/').pop()) ?? 'unknown token'));
  await new Promise((r) => http.listen(httpPort, '127.0.0.1', r));
  server = await startServe(dir, ['--acme', '--acme-allow', 'example.test', '--acme-resolver', `127.0.0.1:${dns.port}`, '--acme-http-port', String(httpPort)]);
  acme = acmeClient(() => server.url, f('ca.crt'));
});
after(async () => {
  await server?.stop();
  dns?.stop();
  if (http) {
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const listed = () => JSON.parse(caOk(dir, ['list', '--json']).out);

/** The order's one authorization made valid: its http-01 challenge answered. */
async function validate(acct, order) {
  const authz = (await acme.post(acct, order.authorizations[0], '')).data;
  const challenge = authz.challenges.find((c) => c.type === 'http-01');
  answers.set(challenge.token, `${challenge.token}.${acct.thumbprint}`);
  const r = await acme.post(acct, challenge.url, {});
  assert.equal(r.data.status, 'valid', r.text);
}

/** An order for `name` whose authorization is valid, ready to finalize. */
async function readyOrder(acct, name) {
  const { order, orderUrl } = await acme.order(acct, [{ type: 'dns', value: name }]);
  await validate(acct, order);
  return { order, orderUrl };
}

/** A DER CSR for `name`, of a new P-256 key or of the key in `keyFile`. */
function csrFor(name, keyFile) {
  const out = f(`${name}-${listed().length}-${Math.random().toString(36).slice(2)}.der`);
  const key = keyFile ? ['-key', keyFile] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${out}.key`];
  const g = run('openssl', ['req', '-new', ...key, '-subj', '/', '-addext', `subjectAltName=DNS:${name}`, '-outform', 'DER', '-out', out]);
  assert.equal(g.status, 0, g.stderr);
  return readFileSync(out).toString('base64url');
}

test('four finalize requests sent at once for one ready order issue one certificate, not four', { skip }, async () => {
  const acct = await acme.register();
  const { order } = await readyOrder(acct, 'race.example.test');
  const before = listed().length;
  const csr = csrFor('race.example.test');
  const answered = await Promise.all([1, 2, 3, 4].map(() => acme.post(acct, order.finalize, { csr })));
  // RFC 8555 7.4: an order that is no longer ready is orderNotReady; one order, one certificate.
  assert.equal(listed().length, before + 1, `certificates issued for one order:\n${answered.map((r) => `${r.status} ${r.text}`).join('\n')}`);
  assert.equal(new Set(answered.filter((r) => r.status === 200).map((r) => r.data.certificate)).size, 1);
});

test('a contact update sent together with a deactivation does not bring the account back', { skip }, async () => {
  const acct = await acme.register();
  const answered = await Promise.all([acme.post(acct, acct.kid, { status: 'deactivated' }), ...[1, 2, 3, 4, 5, 6].map((i) => acme.post(acct, acct.kid, { contact: [`mailto:u${i}@example.test`] }))]);
  assert.equal(answered[0].status, 200, answered[0].text);
  // RFC 8555 7.3.6: deactivation is final; the server takes no further request signed by the account.
  assertProblem(await acme.post(acct, acct.kid, ''), 'unauthorized', 403);
  assertProblem(await acme.newOrder(acct, ['after.example.test']), 'unauthorized', 403);
});

test('two accounts rolling over to one new key at once: one gets it, the other is 409', { skip }, async () => {
  const [a, b] = [await acme.register(), await acme.register()];
  const newKey = accountKey();
  const url = `${server.url}/acme/key-change`;
  const answered = await Promise.all([acme.post(a, url, innerKeyChange(a, newKey, url)), acme.post(b, url, innerKeyChange(b, newKey, url))]);
  // RFC 8555 7.3.5: a key that has an account is a conflict; one key, one account.
  assert.deepEqual(answered.map((r) => r.status).sort(), [200, 409], answered.map((r) => r.text).join('\n'));
});

test('finalize with a CSR for the account key itself is badCSR, and nothing is issued', { skip }, async () => {
  const acct = await acme.register();
  const { order } = await readyOrder(acct, 'samekey.example.test');
  writeFileSync(f('account.key'), acct.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  const before = listed().length;
  // Boulder and Pebble refuse it ("certificate public key must be different than account key"):
  // the key then sits on the TLS server, and whoever takes it there also holds the account.
  assertProblem(await acme.post(acct, order.finalize, { csr: csrFor('samekey.example.test', f('account.key')) }), 'badCSR', 400);
  assert.equal(listed().length, before);
});

test('a name over 64 characters is refused when ordered, or issued: never valid authorizations then a finalize that cannot succeed', { skip }, async () => {
  const acct = await acme.register();
  const name = `${'a'.repeat(60)}.long.example.test`;
  const made = await acme.newOrder(acct, [name]);
  if (made.status !== 201) return assertProblem(made, 'rejectedIdentifier', 400);
  await validate(acct, made.data);
  // The client cannot shorten the CN: the server makes it from the order (SPEC: no CN over 64 characters).
  const done = await acme.post(acct, made.data.finalize, { csr: csrFor(name) });
  assert.equal(done.status, 200, done.text);
});

/** A listener on 127.0.0.1:80 answering as `answer` says, or undefined if this machine will not give the port. */
async function onPort80(answer) {
  const s = createServer(answer);
  const bound = await new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(80, '127.0.0.1', () => resolve(true));
  });
  return bound ? s : undefined;
}

test('with the default --acme-http-port (80), an http-01 redirect to a path on the same host is followed', { skip }, async (t) => {
  let acct;
  const http80 = await onPort80((req, res) => {
    // The redirect every web server in front of a client may make: same host, same port, another path.
    if (!req.url.includes('/moved/')) return void res.writeHead(302, { location: `/moved${req.url}` }).end();
    const token = req.url.split('/').pop();
    res.end(`${token}.${acct.thumbprint}`);
  });
  if (!http80) return t.skip('127.0.0.1:80 cannot be bound here (not root, or in use)');
  const own = mkdtempSync(join(tmpdir(), 'clusterca-acme-port80-'));
  let serve80;
  try {
    caOk(own, ['init', '--key-type', 'ecdsa', 'port80-ca']);
    caOk(own, ['export', '--format', 'pem', '--out', 'ca.crt']);
    serve80 = await startServe(own, ['--acme', '--acme-allow', 'example.test', '--acme-resolver', `127.0.0.1:${dns.port}`]);
    const client = acmeClient(() => serve80.url, join(own, 'ca.crt'));
    acct = await client.register();
    const { authzs } = await client.order(acct, [{ type: 'dns', value: 'moved.example.test' }]);
    const challenge = authzs[0].challenges.find((c) => c.type === 'http-01');
    const r = await client.post(acct, challenge.url, {});
    // RFC 8555 8.3 lets the server follow redirects; SPEC: at most 10, over http to the validation port.
    assert.equal(r.data.status, 'valid', r.text);
  } finally {
    await serve80?.stop();
    http80.closeAllConnections();
    await new Promise((r) => http80.close(r));
    rmSync(own, { recursive: true, force: true });
  }
});

/** One HTTPS request naming the server as `host` (Host header), the TLS name checked as usual. */
function asHost(url, host, { method = 'GET', body } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { host, ...(body === undefined ? {} : { 'content-type': 'application/jose+json', 'content-length': Buffer.byteLength(body) }) };
    const req = httpsRequest(url, { method, headers, ca: readFileSync(f('ca.crt')), servername: '', checkServerIdentity: () => undefined }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('a client that names the server with its port, as in https://ca:443/acme/directory, can register', { skip }, async () => {
  const host = '127.0.0.1:443';
  const directory = JSON.parse((await asHost(`${server.url}/acme/directory`, host)).text);
  const acct = accountKey();
  const nonce = (await asHost(`${server.url}/acme/new-nonce`, host, { method: 'HEAD' })).headers['replay-nonce'];
  // The JWS names the newAccount URL exactly as the directory gave it (RFC 8555 6.4, 7.1.1).
  const protectedB64 = Buffer.from(JSON.stringify({ alg: 'ES256', nonce, url: directory.newAccount, jwk: acct.jwk })).toString('base64url');
  const payloadB64 = Buffer.from(JSON.stringify({ termsOfServiceAgreed: true })).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${protectedB64}.${payloadB64}`), { key: acct.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  const r = await asHost(`${server.url}/acme/new-account`, host, { method: 'POST', body: JSON.stringify({ protected: protectedB64, payload: payloadB64, signature }) });
  assert.equal(r.status, 201, r.text);
});

test('a Host header that is no host (port 99999, a bad IPv6 literal) is malformed, not a server failure', { skip }, async () => {
  for (const host of ['127.0.0.1:99999', '[1:2:3:4:5:6:7:8:9]', '[:::]']) {
    const r = await asHost(`${server.url}/acme/directory`, host);
    assert.equal(r.status, 400, `${host}: ${r.text}`);
    assert.equal(JSON.parse(r.text).type, 'urn:ietf:params:acme:error:malformed', r.text);
  }
});

test('a key rollover is not undone by a contact update the old key sent at the same moment', { skip }, async () => {
  const acct = await acme.register();
  const newKey = accountKey();
  const url = `${server.url}/acme/key-change`;
  // The holder of a stolen old key keeps sending updates; the owner rolls the account over to a new key.
  const answered = await Promise.all([acme.post(acct, url, innerKeyChange(acct, newKey, url)), ...[1, 2, 3, 4, 5, 6].map((i) => acme.post(acct, acct.kid, { contact: [`mailto:old${i}@example.test`] }))]);
  assert.equal(answered[0].status, 200, answered[0].text);
  // RFC 8555 7.3.5: after the rollover the account's key is the new one; the old key signs nothing for it.
  const byOld = await acme.post(acct, acct.kid, '');
  assert.notEqual(byOld.status, 200, `the old key still controls the account: ${byOld.text}`);
  const byNew = await acme.post({ ...newKey, kid: acct.kid }, acct.kid, '');
  assert.equal(byNew.status, 200, byNew.text);
});
