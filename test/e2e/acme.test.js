// ACME in `ca serve --acme` (SPEC "ACME"), with real clients on loopback: certbot and lego obtain
// certificates by http-01, names resolving through pebble-challtestsrv's DNS (every A answer is
// 127.0.0.1); then the refusals an attacker would try, each its problem type.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caOk, have, needs, run } from '../helpers/ca.js';
import { accountKey, acmeClient, assertProblem, freeTcpPort, innerKeyChange, startTestDns } from '../helpers/acme.js';
import { https, startServe } from '../helpers/serve.js';

const skip = needs('pebble-challtestsrv', 'pebble') || needs('openssl', 'openssl');
let dir;
let server;
let dns;
let dnsPort;
let httpPort;
let management;
const f = (...p) => join(dir, ...p);

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'clusterca-acme-'));
  caOk(dir, ['init', '--key-type', 'ecdsa', 'acme-ca']);
  caOk(dir, ['export', '--format', 'pem', '--out', 'ca.crt']);
  dns = await startTestDns();
  dnsPort = dns.port;
  management = dns.management;
  httpPort = await freeTcpPort();
  server = await startServe(dir, ['--acme', '--acme-allow', 'example.test', '--acme-resolver', `127.0.0.1:${dnsPort}`, '--acme-http-port', String(httpPort)]);
});
after(async () => {
  await server?.stop();
  dns?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const directoryUrl = () => `${server.url}/acme/directory`;

function listed() {
  return JSON.parse(caOk(dir, ['list', '--json']).out);
}

/** The server's stderr as it arrives: a line written while a synchronous client ran is read after it. */
async function logged(pattern) {
  for (let i = 0; i < 50 && !pattern.test(server.log()); i++) await new Promise((r) => setTimeout(r, 50));
  return server.log();
}

const auditLines = (text) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

test('certbot --standalone obtains a certificate by http-01, which verifies and is in ca list', { skip: skip || needs('certbot', 'certbot') }, async () => {
  const work = f('certbot');
  const r = run('certbot', ['certonly', '--standalone', '--http-01-port', String(httpPort), '--http-01-address', '127.0.0.1', '--server', directoryUrl(), '--config-dir', work, '--work-dir', work, '--logs-dir', work, '--non-interactive', '--agree-tos', '--register-unsafely-without-email', '-d', 'a.example.test'], { env: { ...process.env, REQUESTS_CA_BUNDLE: f('ca.crt') }, timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const cert = join(work, 'live', 'a.example.test', 'cert.pem');
  const v = run('openssl', ['verify', '-CAfile', f('ca.crt'), cert]);
  assert.equal(v.status, 0, v.stderr);
  const text = run('openssl', ['x509', '-in', cert, '-noout', '-ext', 'subjectAltName']).stdout;
  assert.match(text, /DNS:a\.example\.test/);
  const entries = JSON.stringify(listed());
  assert.match(entries, /a\.example\.test/);
  // The audit log names the account as the credential.
  const line = auditLines(await logged(/"route":"acme-finalize"/)).find((l) => l.route === 'acme-finalize');
  assert.equal(line?.event, 'sign');
  assert.equal(line.outcome, 'issued');
  assert.match(line.credential, /^acme:[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(line.sans, ['DNS:a.example.test']);
});

test('certbot renew --force-renewal gets a new certificate for the same name', { skip: skip || needs('certbot', 'certbot') }, () => {
  const work = f('certbot');
  const before = listed().filter((e) => e.sans.includes('DNS:a.example.test')).length;
  const r = run('certbot', ['renew', '--force-renewal', '--no-random-sleep-on-renew', '--cert-name', 'a.example.test', '--config-dir', work, '--work-dir', work, '--logs-dir', work, '--non-interactive'], { env: { ...process.env, REQUESTS_CA_BUNDLE: f('ca.crt') }, timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(listed().filter((e) => e.sans.includes('DNS:a.example.test')).length, before + 1);
  const v = run('openssl', ['verify', '-CAfile', f('ca.crt'), join(work, 'live', 'a.example.test', 'cert.pem')]);
  assert.equal(v.status, 0, v.stderr);
});

test('certbot revoke: the account revokes its certificate, which ca list and the CRL show revoked', { skip: skip || needs('certbot', 'certbot') }, async () => {
  const work = f('certbot');
  const cert = join(work, 'live', 'a.example.test', 'cert.pem');
  const r = run('certbot', ['revoke', '--cert-path', cert, '--reason', 'superseded', '--server', directoryUrl(), '--config-dir', work, '--work-dir', work, '--logs-dir', work, '--non-interactive', '--no-delete-after-revoke'], { env: { ...process.env, REQUESTS_CA_BUNDLE: f('ca.crt') }, timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const serial = run('openssl', ['x509', '-in', cert, '-noout', '-serial']).stdout.trim().split('=')[1].toLowerCase();
  const entry = listed().find((e) => e.serial === serial.replace(/^0+/, '') || e.serial === serial);
  assert.equal(entry?.status, 'revoked', JSON.stringify(entry));
  const crl = await https(`${server.url}/v1/crl?format=pem`, { ca: f('ca.crt') });
  const text = run('openssl', ['crl', '-noout', '-text'], { input: crl.text }).stdout;
  assert.match(text.toLowerCase(), new RegExp(entry.serial));
  const line = auditLines(await logged(/"route":"acme-revoke"/)).find((l) => l.route === 'acme-revoke');
  assert.equal(line?.event, 'revoke');
  assert.equal(line.serial, entry.serial);
  assert.match(line.credential, /^acme:/);
});

test('lego obtains a certificate by http-01 with its default ES256 account', { skip: skip || needs('lego', 'lego') }, () => {
  const path = f('lego');
  const r = run('lego', ['--server', directoryUrl(), '--accept-tos', '--email', 'a@example.test', '--path', path, '--domains', 'b.example.test', '--http', '--http.port', `127.0.0.1:${httpPort}`, 'run'], { env: { ...process.env, LEGO_CA_CERTIFICATES: f('ca.crt') }, timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const cert = join(path, 'certificates', 'b.example.test.crt');
  const v = run('openssl', ['verify', '-CAfile', f('ca.crt'), '-untrusted', cert, cert]);
  assert.equal(v.status, 0, v.stderr);
  assert.match(JSON.stringify(listed()), /b\.example\.test/);
});

test('lego with an RSA account key (RS256), then lego renew', { skip: skip || needs('lego', 'lego') }, () => {
  const path = f('lego-rsa');
  const env = { ...process.env, LEGO_CA_CERTIFICATES: f('ca.crt') };
  const common = ['--server', directoryUrl(), '--accept-tos', '--email', 'rsa@example.test', '--path', path, '--key-type', 'rsa2048', '--domains', 'r.example.test', '--http', '--http.port', `127.0.0.1:${httpPort}`];
  const r = run('lego', [...common, 'run'], { env, timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const accountKey = readdirSync(join(path, 'accounts'), { recursive: true }).find((p) => String(p).endsWith('.key'));
  assert.match(readFileSync(join(path, 'accounts', String(accountKey)), 'utf8'), /BEGIN RSA PRIVATE KEY/);
  // --days 365: renew now, as a certificate of 90 days has fewer left.
  const renewed = run('lego', [...common, 'renew', '--days', '365', '--no-random-sleep'], { env, timeout: 120_000 });
  assert.equal(renewed.status, 0, renewed.stdout + renewed.stderr);
  assert.equal(listed().filter((e) => e.sans.includes('DNS:r.example.test')).length, 2);
});

test('lego revoke, and ca revoke of a certificate issued through ACME: both are in the CRL at /v1/crl', { skip: skip || needs('lego', 'lego') }, async () => {
  const path = f('lego-rsa');
  const env = { ...process.env, LEGO_CA_CERTIFICATES: f('ca.crt') };
  const byLego = new X509Certificate(readFileSync(join(path, 'certificates', 'r.example.test.crt'), 'utf8').split(/(?<=-----END CERTIFICATE-----)/)[0]).serialNumber.toLowerCase();
  const r = run('lego', ['--server', directoryUrl(), '--email', 'rsa@example.test', '--path', path, '--key-type', 'rsa2048', '--domains', 'r.example.test', 'revoke', '--reason', '4'], { env, timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const entry = listed().find((e) => e.serial === byLego);
  assert.equal(entry?.status, 'revoked', JSON.stringify(entry));
  // Another certificate issued through ACME, revoked by the operator as any other.
  const got = run('lego', ['--server', directoryUrl(), '--accept-tos', '--email', 'c@example.test', '--path', f('lego-c'), '--domains', 'c.example.test', '--http', '--http.port', `127.0.0.1:${httpPort}`, 'run'], { env, timeout: 120_000 });
  assert.equal(got.status, 0, got.stdout + got.stderr);
  const other = listed().find((e) => e.sans.includes('DNS:c.example.test'));
  caOk(dir, ['revoke', other.name, '--reason', 'keyCompromise']);
  const crl = await https(`${server.url}/v1/crl?format=pem`, { ca: f('ca.crt') });
  assert.equal(crl.status, 200);
  writeFileSync(f('acme.crl'), crl.text);
  const text = run('openssl', ['crl', '-in', f('acme.crl'), '-noout', '-text']).stdout.replace(/:/g, '').toLowerCase();
  for (const serial of [byLego, other.serial]) assert.ok(text.includes(serial.replace(/^0+/, '')), `${serial} in the CRL`);
});

/** A hook script that sets (or clears) a TXT record in pebble-challtestsrv through its management API. */
function hook(name, body) {
  const path = f(name);
  writeFileSync(path, `#!/bin/sh\nset -e\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const setTxt = (host, value) => `curl -sf -X POST -d "{\\"host\\":\\"${host}\\",\\"value\\":\\"${value}\\"}" http://127.0.0.1:${management}/set-txt`;
const clearTxt = (host) => `curl -sf -X POST -d "{\\"host\\":\\"${host}\\"}" http://127.0.0.1:${management}/clear-txt`;

function wildcardIssued(cert, name) {
  const v = run('openssl', ['verify', '-CAfile', f('ca.crt'), cert]);
  assert.equal(v.status, 0, v.stderr);
  const text = run('openssl', ['x509', '-in', cert, '-noout', '-ext', 'subjectAltName']).stdout;
  assert.match(text, new RegExp(`DNS:${name.replace(/\./g, '\\.')}`));
  assert.match(text, /DNS:\*\.example\.test/);
}

// --- Our own ACME client (test/helpers/acme.js), to send what real clients never would. ---

// The server and its CA as they are now: one test serves another store for a while.
const client = () => acmeClient(() => server.url, f('ca.crt'));
const nonce = () => client().nonce();
const post = (...args) => client().post(...args);
const register = () => client().register();
const problem = assertProblem;

test('the directory, a nonce on every answer, and a new account answered 201 then 200', { skip }, async () => {
  const d = await https(directoryUrl(), { ca: f('ca.crt') });
  assert.equal(d.status, 200);
  const dirJson = d.json();
  for (const k of ['newNonce', 'newAccount', 'newOrder', 'revokeCert', 'keyChange']) assert.match(dirJson[k], /^https:\/\/127\.0\.0\.1:\d+\/acme\//);
  const acct = accountKey();
  const first = await post(acct, dirJson.newAccount, { termsOfServiceAgreed: true });
  assert.equal(first.status, 201);
  assert.ok(first.headers['replay-nonce']);
  assert.match(first.headers.link, /rel="index"/);
  const again = await post(acct, dirJson.newAccount, { onlyReturnExisting: true });
  assert.equal(again.status, 200);
  assert.equal(again.headers.location, first.headers.location);
});

test('a replayed nonce is badNonce, with a fresh nonce to retry with', { skip }, async () => {
  const acct = await register();
  const n = await nonce();
  const ok = await post(acct, acct.kid, '', { n });
  assert.equal(ok.status, 200, ok.text);
  problem(await post(acct, acct.kid, '', { n }), 'badNonce', 400);
});

test('a JWS signed for another URL is unauthorized', { skip }, async () => {
  const acct = await register();
  problem(await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: 'c.example.test' }] }, { signedUrl: acct.kid }), 'unauthorized', 403);
});

test('an identifier outside --acme-allow is rejectedIdentifier, before any authorization', { skip }, async () => {
  const acct = await register();
  const r = await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: 'c.example.test' }, { type: 'dns', value: 'bank.example.com' }] });
  problem(r, 'rejectedIdentifier', 400);
  problem(await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: '*.example.com' }] }), 'rejectedIdentifier', 400);
});

/** An http-01 responder of our own on the validation port, answering as `answer` says. */
async function responder(answer) {
  const s = createServer(answer);
  await new Promise((r) => s.listen(httpPort, '127.0.0.1', r));
  return { close: () => new Promise((r) => { s.closeAllConnections(); s.close(r); }) };
}

async function orderFor(acct, names) {
  const r = await post(acct, `${server.url}/acme/new-order`, { identifiers: names.map((value) => ({ type: 'dns', value })) });
  assert.equal(r.status, 201, r.text);
  const authz = (await post(acct, r.data.authorizations[0], '')).data;
  return { order: r.data, orderUrl: r.headers.location, challenge: authz.challenges.find((c) => c.type === 'http-01') };
}

test('finalize with a CSR naming more than the order is badCSR, and nothing is issued', { skip }, async () => {
  const acct = await register();
  const { order, challenge } = await orderFor(acct, ['d.example.test']);
  const http = await responder((req, res) => res.end(`${challenge.token}.${acct.thumbprint}`));
  try {
    const c = await post(acct, challenge.url, {});
    assert.equal(c.data.status, 'valid', c.text);
    assert.match(c.headers.link, /rel="up"/);
  } finally {
    await http.close();
  }
  const key = f('extra.key');
  const csr = f('extra.der');
  const g = run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/', '-addext', 'subjectAltName=DNS:d.example.test,DNS:e.example.test', '-outform', 'DER', '-out', csr]);
  assert.equal(g.status, 0, g.stderr);
  const before = listed().length;
  problem(await post(acct, order.finalize, { csr: readFileSync(csr).toString('base64url') }), 'badCSR', 400);
  assert.equal(listed().length, before);
});

test('an http-01 server that never answers, or sends 10 MB, makes the challenge invalid within the bound', { skip }, async () => {
  const acct = await register();
  const silent = await orderFor(acct, ['f.example.test']);
  let http = await responder(() => {});
  try {
    const c = await post(acct, silent.challenge.url, {});
    assert.equal(c.data.status, 'invalid', c.text);
    assert.match(c.data.error.type, /connection/);
  } finally {
    await http.close();
  }
  const flood = await orderFor(acct, ['g.example.test']);
  let sent = 0;
  http = await responder((req, res) => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const write = () => {
      while (sent < 10 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      res.end();
    };
    res.on('error', () => {});
    write();
  });
  try {
    const c = await post(acct, flood.challenge.url, {});
    assert.equal(c.data.status, 'invalid', c.text);
    assert.match(c.data.error.type, /incorrectResponse/);
    assert.ok(sent < 10 * 1024 * 1024, `the server read only a bounded part (${sent} bytes were written)`);
  } finally {
    await http.close();
  }
  const order = (await post(acct, flood.orderUrl, '')).data;
  assert.equal(order.status, 'invalid');
});

test('an http-01 server that redirects forever makes the challenge invalid after 10 redirects', { skip }, async () => {
  const acct = await register();
  const { challenge, orderUrl } = await orderFor(acct, ['loop.example.test']);
  let hops = 0;
  const http = await responder((req, res) => {
    hops++;
    res.writeHead(302, { location: req.url }).end();
  });
  try {
    const c = await post(acct, challenge.url, {});
    assert.equal(c.data.status, 'invalid', c.text);
    assert.match(c.data.error.detail, /more than 10 redirects/);
    assert.equal(hops, 11);
  } finally {
    await http.close();
  }
  assert.equal((await post(acct, orderUrl, '')).data.status, 'invalid');
});

test('an http-01 redirect to another port is not followed: the validation reaches no other service', { skip }, async () => {
  const acct = await register();
  const { challenge, orderUrl } = await orderFor(acct, ['elsewhere.example.test']);
  const http = await responder((req, res) => res.writeHead(302, { location: `http://127.0.0.1:2379${req.url}` }).end());
  try {
    const c = await post(acct, challenge.url, {});
    assert.equal(c.data.status, 'invalid', c.text);
    assert.match(c.data.error.detail, /redirects to port 2379; only the validation port \d+ is followed/);
  } finally {
    await http.close();
  }
  assert.equal((await post(acct, orderUrl, '')).data.status, 'invalid');
});

test('another account cannot see or answer my challenge, nor read my order', { skip }, async () => {
  const mine = await register();
  const theirs = await register();
  const { challenge, orderUrl } = await orderFor(mine, ['mine.example.test']);
  problem(await post(theirs, challenge.url, {}), 'malformed', 404);
  problem(await post(theirs, orderUrl, ''), 'malformed', 404);
  assert.equal((await post(mine, orderUrl, '')).data.status, 'pending');
});

test('an unsigned request (alg none) is refused, and a deactivated account can do nothing more', { skip }, async () => {
  const acct = await register();
  const header = Buffer.from(JSON.stringify({ alg: 'none', nonce: await nonce(), url: `${server.url}/acme/new-order`, kid: acct.kid })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ identifiers: [{ type: 'dns', value: 'n.example.test' }] })).toString('base64url');
  const r = await https(`${server.url}/acme/new-order`, { method: 'POST', ca: f('ca.crt'), headers: { 'content-type': 'application/jose+json' }, body: JSON.stringify({ protected: header, payload, signature: '' }) });
  assert.equal(r.status, 400, r.text);
  assert.equal(JSON.parse(r.text).type, 'urn:ietf:params:acme:error:badSignatureAlgorithm');
  const off = await post(acct, acct.kid, { status: 'deactivated' });
  assert.equal(off.data.status, 'deactivated', off.text);
  problem(await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: 'n.example.test' }] }), 'unauthorized', 403);
});

test('revokeCert: another account is unauthorized; a request signed by the certificate\'s own key revokes it', { skip: skip || needs('lego', 'lego') }, async () => {
  const cert = readFileSync(join(f('lego'), 'certificates', 'b.example.test.crt'), 'utf8');
  const der = new X509Certificate(cert.split(/(?<=-----END CERTIFICATE-----)/)[0]).raw.toString('base64url');
  const stranger = await register();
  problem(await post(stranger, `${server.url}/acme/revoke-cert`, { certificate: der }), 'unauthorized', 403);
  const privateKey = createPrivateKey(readFileSync(join(f('lego'), 'certificates', 'b.example.test.key')));
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const holder = { privateKey, jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } };
  problem(await post(holder, `${server.url}/acme/revoke-cert`, { certificate: der, reason: 7 }), 'badRevocationReason', 400);
  const r = await post(holder, `${server.url}/acme/revoke-cert`, { certificate: der, reason: 1 });
  assert.equal(r.status, 200, r.text);
  problem(await post(holder, `${server.url}/acme/revoke-cert`, { certificate: der }), 'alreadyRevoked', 400);
  assert.equal(listed().find((e) => e.sans.includes('DNS:b.example.test')).status, 'revoked');
});

test('a DNS server that never answers makes an http-01 or a dns-01 challenge invalid (dns) within the bound', { skip, timeout: 60_000 }, async () => {
  // A resolver that takes every query and answers none.
  const silent = createSocket('udp4');
  await new Promise((r) => silent.bind(0, '127.0.0.1', r));
  const second = await startServe(dir, ['--acme', '--acme-allow', 'example.test', '--acme-resolver', `127.0.0.1:${silent.address().port}`, '--acme-http-port', String(httpPort)]);
  const main = server;
  server = second;
  try {
    const acct = await register();
    const { challenge } = await orderFor(acct, ['quiet.example.test']);
    const c = await post(acct, challenge.url, {});
    assert.equal(c.data.status, 'invalid', c.text);
    assert.equal(c.data.error.type, 'urn:ietf:params:acme:error:dns');
    const r = await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: '*.quiet.example.test' }] });
    const dns01 = (await post(acct, r.data.authorizations[0], '')).data.challenges[0];
    const d = await post(acct, dns01.url, {});
    assert.equal(d.data.status, 'invalid', d.text);
    assert.equal(d.data.error.type, 'urn:ietf:params:acme:error:dns', d.text);
    assert.match(d.data.error.detail, /did not answer/);
  } finally {
    server = main;
    await second.stop();
    silent.close();
  }
});

test('accounts and orders are in the store: after a restart the account and its order are still there', { skip }, async () => {
  const acct = await register();
  const made = await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: 'h.example.test' }] });
  assert.equal(made.status, 201, made.text);
  const port = new URL(server.url).port;
  await server.stop();
  server = await startServe(dir, ['--listen', `127.0.0.1:${port}`, '--acme', '--acme-allow', 'example.test', '--acme-resolver', `127.0.0.1:${dnsPort}`, '--acme-http-port', String(httpPort)]);
  const again = await post(acct, `${server.url}/acme/new-account`, { onlyReturnExisting: true }, { jwkInstead: true });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.headers.location, acct.kid);
  const order = await post(acct, made.headers.location, '');
  assert.equal(order.status, 200, order.text);
  assert.deepEqual(order.data.identifiers, [{ type: 'dns', value: 'h.example.test' }]);
  assert.equal(order.data.status, 'pending');
});

test('a name-constrained CA needs no --acme-allow: its permitted names are the allow list', { skip }, async (t) => {
  const constrained = mkdtempSync(join(tmpdir(), 'clusterca-acme-nc-'));
  t.after(() => rmSync(constrained, { recursive: true, force: true }));
  caOk(constrained, ['init', '--key-type', 'ecdsa', '--permit-domain', 'corp.test', '--permit-ip', '127.0.0.0/8', 'nc-ca']);
  caOk(constrained, ['export', '--format', 'pem', '--out', 'ca.crt']);
  const main = server;
  server = await startServe(constrained, ['--domain', 'ca.corp.test', '--acme', '--acme-resolver', `127.0.0.1:${dnsPort}`, '--acme-http-port', String(httpPort)]);
  const mainDir = dir;
  dir = constrained;
  try {
    const acct = await register();
    const ok = await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: 'web.corp.test' }] });
    assert.equal(ok.status, 201, ok.text);
    problem(await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: 'a.example.test' }] }), 'rejectedIdentifier', 400);
    problem(await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'ip', value: '10.0.0.1' }] }), 'rejectedIdentifier', 400);
    // Addresses alone would make CN=127.0.0.1, which verifiers hold to the DNS constraints: refused now.
    problem(await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'ip', value: '127.0.0.1' }] }), 'rejectedIdentifier', 400);
    // An ip identifier (RFC 8738) beside a name: each validated at its address, both in the SANs.
    const made = await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: 'web.corp.test' }, { type: 'ip', value: '127.0.0.1' }] });
    assert.equal(made.status, 201, made.text);
    const http = await responder((req, res) => res.end(`${req.url.split('/').pop()}.${acct.thumbprint}\n`));
    try {
      for (const url of made.data.authorizations) {
        const challenge = (await post(acct, url, '')).data.challenges.find((c) => c.type === 'http-01');
        assert.equal((await post(acct, challenge.url, {})).data.status, 'valid');
      }
    } finally {
      await http.close();
    }
    const csr = f('ip.der');
    run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ip.key'), '-subj', '/', '-addext', 'subjectAltName=DNS:web.corp.test,IP:127.0.0.1', '-outform', 'DER', '-out', csr]);
    const done = await post(acct, made.data.finalize, { csr: readFileSync(csr).toString('base64url') });
    assert.equal(done.data.status, 'valid', done.text);
    const chain = await post(acct, done.data.certificate, '');
    assert.equal(chain.headers['content-type'], 'application/pem-certificate-chain');
    const leaf = new X509Certificate(chain.text.split(/(?<=-----END CERTIFICATE-----)/)[0]);
    assert.equal(leaf.subjectAltName, 'DNS:web.corp.test, IP Address:127.0.0.1');
  } finally {
    await server.stop();
    server = main;
    dir = mainDir;
  }
});

test('without --acme-allow, an unconstrained CA refuses --acme as a usage error', { skip }, () => {
  const r = run(process.execPath, [join(import.meta.dirname ?? '.', '../../bin/ca.js'), 'serve', '--acme', '--listen', '127.0.0.1:0'], { cwd: dir, timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--acme-allow/);
});

void have;

test('a wildcard order: its authorization is the base name marked wildcard, with dns-01 alone', { skip }, async () => {
  const acct = await register();
  const r = await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: '*.w.example.test' }, { type: 'dns', value: 'w.example.test' }] });
  assert.equal(r.status, 201, r.text);
  const authzs = await Promise.all(r.data.authorizations.map(async (u) => (await post(acct, u, '')).data));
  const wild = authzs.find((a) => a.wildcard === true);
  assert.deepEqual(wild.identifier, { type: 'dns', value: 'w.example.test' });
  assert.deepEqual(wild.challenges.map((c) => c.type), ['dns-01']);
  const plain = authzs.find((a) => a.wildcard === undefined);
  assert.deepEqual(plain.challenges.map((c) => c.type).sort(), ['dns-01', 'http-01', 'tls-alpn-01']);
});

test('a dns-01 TXT record with a wrong value makes the challenge invalid: incorrectResponse', { skip: skip || needs('curl', 'curl') }, async () => {
  const acct = await register();
  const r = await post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: 'k.example.test' }] });
  const authz = (await post(acct, r.data.authorizations[0], '')).data;
  const challenge = authz.challenges.find((c) => c.type === 'dns-01');
  // The right value for another account's key: what someone else's proof would be.
  const other = accountKey();
  const wrong = createHash('sha256').update(`${challenge.token}.${other.thumbprint}`).digest('base64url');
  const set = run('sh', ['-c', setTxt('_acme-challenge.k.example.test.', wrong)]);
  assert.equal(set.status, 0, set.stderr);
  try {
    const c = await post(acct, challenge.url, {});
    assert.equal(c.data.status, 'invalid', c.text);
    assert.equal(c.data.error.type, 'urn:ietf:params:acme:error:incorrectResponse', c.text);
  } finally {
    run('sh', ['-c', clearTxt('_acme-challenge.k.example.test.')]);
  }
  assert.equal((await post(acct, r.headers.location, '')).data.status, 'invalid');
});

test('keyChange: to a key that has an account is 409 naming it; else the old key is refused and the new key is the account', { skip }, async () => {
  const url = `${server.url}/acme/key-change`;
  const acct = await register();
  const other = await register();
  const taken = await post(acct, url, innerKeyChange(acct, other, url));
  assert.equal(taken.status, 409, taken.text);
  assert.equal(taken.headers.location, other.kid);
  assert.equal((await post(acct, acct.kid, '')).status, 200, 'the refused change left the key as it was');
  const newKey = accountKey();
  const changed = await post(acct, url, innerKeyChange(acct, newKey, url));
  assert.equal(changed.status, 200, changed.text);
  problem(await post(acct, acct.kid, ''), 'malformed', 400);
  problem(await post(acct, `${server.url}/acme/new-account`, { onlyReturnExisting: true }, { jwkInstead: true }), 'accountDoesNotExist', 400);
  newKey.kid = acct.kid;
  assert.equal((await post(newKey, acct.kid, '')).status, 200);
  const found = await post(newKey, `${server.url}/acme/new-account`, { onlyReturnExisting: true }, { jwkInstead: true });
  assert.equal(found.headers.location, acct.kid);
  // Kept in the store: after a restart, the new key is still the account's and the old one is not.
  const port = new URL(server.url).port;
  await server.stop();
  server = await startServe(dir, ['--listen', `127.0.0.1:${port}`, '--acme', '--acme-allow', 'example.test', '--acme-resolver', `127.0.0.1:${dnsPort}`, '--acme-http-port', String(httpPort)]);
  assert.equal((await post(newKey, acct.kid, '')).status, 200);
  problem(await post(acct, acct.kid, ''), 'malformed', 400);
});

// Last: certbot and lego run synchronously, and an idle keep-alive connection of this process to the
// server closes meanwhile unnoticed, so the next request of a test after them would meet EPIPE.
test('certbot --manual with hooks obtains a name and a wildcard by dns-01', { skip: skip || needs('certbot', 'certbot') || needs('curl', 'curl') }, () => {
  const work = f('certbot-dns');
  const auth = hook('certbot-auth.sh', setTxt('_acme-challenge.$CERTBOT_DOMAIN.', '$CERTBOT_VALIDATION'));
  const cleanup = hook('certbot-cleanup.sh', clearTxt('_acme-challenge.$CERTBOT_DOMAIN.'));
  const r = run('certbot', ['certonly', '--manual', '--preferred-challenges', 'dns', '--manual-auth-hook', auth, '--manual-cleanup-hook', cleanup, '--server', directoryUrl(), '--config-dir', work, '--work-dir', work, '--logs-dir', work, '--non-interactive', '--agree-tos', '--register-unsafely-without-email', '-d', 'c.example.test', '-d', '*.example.test'], { env: { ...process.env, REQUESTS_CA_BUNDLE: f('ca.crt') }, timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  wildcardIssued(join(work, 'live', 'c.example.test', 'cert.pem'), 'c.example.test');
});

test('lego --dns exec obtains a name and a wildcard by dns-01', { skip: skip || needs('lego', 'lego') || needs('curl', 'curl') }, () => {
  const path = f('lego-dns');
  // lego runs `script present|cleanup <fqdn> <value>`, the fqdn with its final dot.
  const script = hook('lego-dns.sh', `case "$1" in present) ${setTxt('$2', '$3')} ;; cleanup) ${clearTxt('$2')} ;; esac`);
  const r = run('lego', ['--server', directoryUrl(), '--accept-tos', '--email', 'a@example.test', '--path', path, '--domains', 'h.example.test', '--domains', '*.example.test', '--dns', 'exec', '--dns.resolvers', `127.0.0.1:${dnsPort}`, '--dns.disable-cp', 'run'], { env: { ...process.env, LEGO_CA_CERTIFICATES: f('ca.crt'), EXEC_PATH: script, EXEC_SEQUENCE_INTERVAL: '1', EXEC_POLLING_INTERVAL: '1' }, timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  wildcardIssued(join(path, 'certificates', 'h.example.test.crt'), 'h.example.test');
});
