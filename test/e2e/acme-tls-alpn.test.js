// tls-alpn-01 (RFC 8737) in `ca serve --acme`: lego --tls obtains a certificate; then TLS responders
// of our own on --acme-tls-port answer as an attacker or a broken client would, and each answer is
// refused with its ACME error type. Names resolve through pebble-challtestsrv (every A is 127.0.0.1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caOk, needs, run } from '../helpers/ca.js';
import { startServe } from '../helpers/serve.js';
import { accountKey, acmeClient, freeTcpPort, startTestDns } from '../helpers/acme.js';

const skip = needs('pebble-challtestsrv', 'pebble') || needs('openssl', 'openssl');
let dir;
let server;
let dns;
let tlsPort;
let client;
const f = (...p) => join(dir, ...p);

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'clusterca-alpn-'));
  caOk(dir, ['init', '--key-type', 'ecdsa', 'alpn-ca']);
  caOk(dir, ['export', '--format', 'pem', '--out', 'ca.crt']);
  dns = await startTestDns();
  tlsPort = await freeTcpPort();
  server = await startServe(dir, ['--acme', '--acme-allow', 'example.test', '--acme-allow', '127.0.0.0/8', '--acme-resolver', `127.0.0.1:${dns.port}`, '--acme-http-port', String(await freeTcpPort()), '--acme-tls-port', String(tlsPort)]);
  client = acmeClient(() => server.url, f('ca.crt'));
});
after(async () => {
  await server?.stop();
  dns?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('lego --tls obtains a certificate by tls-alpn-01, which verifies against the CA', { skip: skip || needs('lego', 'lego') }, () => {
  const path = f('lego');
  const r = run('lego', ['--server', `${server.url}/acme/directory`, '--accept-tos', '--email', 'a@example.test', '--path', path, '--domains', 'alpn.example.test', '--tls', '--tls.port', `127.0.0.1:${tlsPort}`, 'run'], { env: { ...process.env, LEGO_CA_CERTIFICATES: f('ca.crt') }, timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /use tls-alpn-01 solver/);
  const cert = join(path, 'certificates', 'alpn.example.test.crt');
  const v = run('openssl', ['verify', '-CAfile', f('ca.crt'), '-untrusted', cert, cert]);
  assert.equal(v.status, 0, v.stderr);
  assert.match(run('openssl', ['x509', '-in', cert, '-noout', '-ext', 'subjectAltName']).stdout, /DNS:alpn\.example\.test/);
  assert.match(caOk(dir, ['list', '--json']).out, /alpn\.example\.test/);
});

const digestOf = (keyAuthorization) => createHash('sha256').update(keyAuthorization).digest();

/** A self-signed validation certificate made by openssl, shaped as the case needs. */
function validationCert(name, { sans, digest, critical = true, extension = true }) {
  const key = f(`${name}.key`);
  const cert = f(`${name}.crt`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', '/', '-days', '1', '-addext', `subjectAltName=${sans.join(',')}`];
  if (extension) args.push('-addext', `1.3.6.1.5.5.7.1.31=${critical ? 'critical,' : ''}DER:0420${digest.toString('hex')}`);
  const r = run('openssl', args);
  assert.equal(r.status, 0, r.stderr);
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

/** A TLS server of our own on the validation port; `served` lists the SNI names it was asked for. */
async function responder(options) {
  const served = [];
  const sockets = new Set();
  // The name is recorded from the ClientHello: the validator closes once its side of the handshake
  // is done, which under TLS 1.3 can be before this side sees it complete.
  const context = createSecureContext(options);
  const SNICallback = (servername, done) => done(null, context, served.push(servername));
  const s = createTlsServer({ ...options, SNICallback }, (socket) => socket.on('error', () => {}));
  s.on('connection', (socket) => sockets.add(socket).size && socket.on('close', () => sockets.delete(socket)));
  s.on('tlsClientError', () => {});
  await new Promise((r) => s.listen(tlsPort, '127.0.0.1', r));
  return { served, close: () => new Promise((r) => { for (const socket of sockets) socket.destroy(); s.close(r); }) };
}

/** A new order for one identifier, its tls-alpn-01 challenge answered while `options(challenge, acct)` is served. */
async function answered(identifier, options) {
  const acct = await client.register();
  const { authzs, orderUrl } = await client.order(acct, [identifier]);
  const challenge = authzs[0].challenges.find((c) => c.type === 'tls-alpn-01');
  assert.ok(challenge, `tls-alpn-01 is offered: ${JSON.stringify(authzs[0].challenges)}`);
  const http = await responder(options(challenge, acct));
  try {
    const c = await client.post(acct, challenge.url, {});
    return { c, served: http.served, order: (await client.post(acct, orderUrl, '')).data };
  } finally {
    await http.close();
  }
}

const keyAuthz = (challenge, acct) => `${challenge.token}.${acct.thumbprint}`;

function refused({ c, order }, type, detail) {
  assert.equal(c.data.status, 'invalid', c.text);
  assert.equal(c.data.error.type, `urn:ietf:params:acme:error:${type}`, c.text);
  assert.match(c.data.error.detail, detail);
  assert.equal(order.status, 'invalid');
}

test('our own responder with the right certificate is valid; the SNI was the name asked', { skip }, async () => {
  const r = await answered({ type: 'dns', value: 'own.example.test' }, (ch, acct) => ({ ...validationCert('own', { sans: ['DNS:own.example.test'], digest: digestOf(keyAuthz(ch, acct)) }), ALPNProtocols: ['acme-tls/1'] }));
  assert.equal(r.c.data.status, 'valid', r.c.text);
  assert.deepEqual(r.served, ['own.example.test']);
});

test('an ip identifier: SNI is its reverse-DNS name (RFC 8738), the certificate names the address', { skip }, async () => {
  const r = await answered({ type: 'ip', value: '127.0.0.1' }, (ch, acct) => ({ ...validationCert('ip', { sans: ['IP:127.0.0.1'], digest: digestOf(keyAuthz(ch, acct)) }), ALPNProtocols: ['acme-tls/1'] }));
  assert.equal(r.c.data.status, 'valid', r.c.text);
  assert.deepEqual(r.served, ['1.0.0.127.in-addr.arpa']);
});

test('the digest of another account\'s key authorization is incorrectResponse', { skip }, async () => {
  const other = accountKey();
  const r = await answered({ type: 'dns', value: 'digest.example.test' }, (ch) => ({ ...validationCert('digest', { sans: ['DNS:digest.example.test'], digest: digestOf(`${ch.token}.${other.thumbprint}`) }), ALPNProtocols: ['acme-tls/1'] }));
  refused(r, 'incorrectResponse', /not SHA-256 of this challenge's key authorization/);
});

test('a server that does not select acme-tls/1 (no ALPN, or only h2) is a tls error', { skip }, async () => {
  const none = await answered({ type: 'dns', value: 'noalpn.example.test' }, (ch, acct) => validationCert('noalpn', { sans: ['DNS:noalpn.example.test'], digest: digestOf(keyAuthz(ch, acct)) }));
  refused(none, 'tls', /did not select the ALPN protocol acme-tls\/1 \(it selected none\)/);
  const h2 = await answered({ type: 'dns', value: 'h2.example.test' }, (ch, acct) => ({ ...validationCert('h2', { sans: ['DNS:h2.example.test'], digest: digestOf(keyAuthz(ch, acct)) }), ALPNProtocols: ['h2'] }));
  refused(h2, 'tls', /the TLS handshake with h2\.example\.test \(127\.0\.0\.1:\d+\) failed \(ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL\)/);
});

test('a non-critical or missing acmeIdentifier extension is unauthorized', { skip }, async () => {
  const soft = await answered({ type: 'dns', value: 'soft.example.test' }, (ch, acct) => ({ ...validationCert('soft', { sans: ['DNS:soft.example.test'], digest: digestOf(keyAuthz(ch, acct)), critical: false }), ALPNProtocols: ['acme-tls/1'] }));
  refused(soft, 'unauthorized', /not critical/);
  const bare = await answered({ type: 'dns', value: 'bare.example.test' }, () => ({ ...validationCert('bare', { sans: ['DNS:bare.example.test'], extension: false }), ALPNProtocols: ['acme-tls/1'] }));
  refused(bare, 'unauthorized', /no acmeIdentifier/);
});

test('an extra or a wrong subjectAltName is unauthorized', { skip }, async () => {
  const extra = await answered({ type: 'dns', value: 'extra.example.test' }, (ch, acct) => ({ ...validationCert('extra', { sans: ['DNS:extra.example.test', 'DNS:bank.example.test'], digest: digestOf(keyAuthz(ch, acct)) }), ALPNProtocols: ['acme-tls/1'] }));
  refused(extra, 'unauthorized', /has 2 subjectAltNames/);
  const wrong = await answered({ type: 'dns', value: 'wrong.example.test' }, (ch, acct) => ({ ...validationCert('wrong', { sans: ['DNS:other.example.test'], digest: digestOf(keyAuthz(ch, acct)) }), ALPNProtocols: ['acme-tls/1'] }));
  refused(wrong, 'unauthorized', /is not the dNSName wrong\.example\.test/);
});

test('nothing listening is a connection error', { skip }, async () => {
  const acct = await client.register();
  const { authzs } = await client.order(acct, [{ type: 'dns', value: 'closed.example.test' }]);
  const c = await client.post(acct, authzs[0].challenges.find((ch) => ch.type === 'tls-alpn-01').url, {});
  assert.equal(c.data.status, 'invalid', c.text);
  assert.equal(c.data.error.type, 'urn:ietf:params:acme:error:connection', c.text);
  assert.match(c.data.error.detail, /cannot connect to closed\.example\.test \(127\.0\.0\.1:\d+\)/);
});

test('a server that accepts TCP and never completes the handshake: invalid (connection) within the bound', { skip, timeout: 30_000 }, async () => {
  const acct = await client.register();
  const { authzs } = await client.order(acct, [{ type: 'dns', value: 'stall.example.test' }]);
  const sockets = new Set();
  const stall = createTcpServer((socket) => sockets.add(socket.on('error', () => {})));
  await new Promise((r) => stall.listen(tlsPort, '127.0.0.1', r));
  try {
    const c = await client.post(acct, authzs[0].challenges.find((ch) => ch.type === 'tls-alpn-01').url, {});
    assert.equal(c.data.status, 'invalid', c.text);
    assert.equal(c.data.error.type, 'urn:ietf:params:acme:error:connection', c.text);
    assert.match(c.data.error.detail, /did not complete the TLS handshake within 10 s/);
    assert.equal(sockets.size, 1);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => stall.close(r));
  }
});

test('a wildcard is offered dns-01 alone; a name http-01, dns-01 and tls-alpn-01; an address http-01 and tls-alpn-01', { skip }, async () => {
  const acct = await client.register();
  const { authzs } = await client.order(acct, [{ type: 'dns', value: '*.wild.example.test' }, { type: 'dns', value: 'wild.example.test' }, { type: 'ip', value: '127.0.0.2' }]);
  const types = (a) => a.challenges.map((c) => c.type).sort();
  assert.deepEqual(types(authzs.find((a) => a.wildcard)), ['dns-01']);
  assert.deepEqual(types(authzs.find((a) => !a.wildcard && a.identifier.type === 'dns')), ['dns-01', 'http-01', 'tls-alpn-01']);
  assert.deepEqual(types(authzs.find((a) => a.identifier.type === 'ip')), ['http-01', 'tls-alpn-01']);
});

test('--acme-tls-port must be a port: a usage error otherwise', { skip }, () => {
  const r = run(process.execPath, [join(import.meta.dirname ?? '.', '../../bin/ca.js'), 'serve', '--listen', '127.0.0.1:0', '--acme', '--acme-allow', 'example.test', '--acme-tls-port', '70000'], { cwd: dir, timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--acme-tls-port/);
});
