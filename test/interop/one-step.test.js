// The one-step certificates judged by OpenSSL, GnuTLS, NSS and live TLS handshakes between the
// types, as flocker's functional tests did: each works for its roles and is refused for the others.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs, run } from '../helpers/ca.js';
import { makeFlockerCluster } from '../helpers/flocker.js';
import { handshake } from '../helpers/tls.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
let c;
let root;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'clusterca-flocker-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  c = makeFlockerCluster(root);
});

const CERTS = {
  api: ['alice.crt', { client: true, server: false }],
  node: ['node1.crt', { client: true, server: true }],
  control: ['control-127.0.0.1.crt', { client: false, server: true }],
};

test('openssl verify -x509_strict -purpose: each type passes for its roles and fails for the others', { skip: needs('openssl', 'openssl') }, () => {
  for (const [type, [file, roles]] of Object.entries(CERTS)) {
    for (const [role, purpose] of [['client', 'sslclient'], ['server', 'sslserver']]) {
      const r = run('openssl', ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', c.ca, c.file(file)]);
      assert.equal(r.status === 0, roles[role], `${type} as ${role}: ${r.stdout}${r.stderr}`);
    }
  }
  const foreign = run('openssl', ['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', c.ca, c.other('mallory.crt')]);
  assert.notEqual(foreign.status, 0);
});

test('GnuTLS certtool --verify-purpose / --verify-hostname: each type for its roles only', { skip: needs('certtool', 'gnutls-bin') }, () => {
  const verify = (file, purpose, host, caFile = c.ca) =>
    run('certtool', ['--verify', '--load-ca-certificate', caFile, '--infile', file, '--verify-purpose', purpose, ...(host ? ['--verify-hostname', host] : [])]);
  for (const [type, [file, roles]] of Object.entries(CERTS)) {
    assert.equal(verify(c.file(file), CLIENT_AUTH).status === 0, roles.client, `${type} as client`);
    assert.equal(verify(c.file(file), SERVER_AUTH).status === 0, roles.server, `${type} as server`);
  }
  assert.equal(verify(c.file('control-127.0.0.1.crt'), SERVER_AUTH, 'control-service').status, 0);
  assert.equal(verify(c.file('control-127.0.0.1.crt'), SERVER_AUTH, '127.0.0.1').status, 0);
  assert.notEqual(verify(c.file('control-127.0.0.1.crt'), SERVER_AUTH, 'elsewhere.example').status, 0);
  assert.notEqual(verify(c.other('mallory.crt'), CLIENT_AUTH).status, 0);
});

test('NSS certutil -V: -u C (SSL client) and -u V (SSL server) for each type', { skip: needs('certutil', 'libnss3-tools') }, () => {
  const db = join(root, 'nssdb');
  mkdirSync(db);
  const nss = (...args) => run('certutil', ['-d', `sql:${db}`, ...args]);
  assert.equal(nss('-N', '--empty-password').status, 0);
  assert.equal(nss('-A', '-n', 'cluster-ca', '-t', 'CT,C,C', '-i', c.ca).status, 0);
  for (const [type, [file]] of Object.entries(CERTS)) assert.equal(nss('-A', '-n', type, '-t', ',,', '-i', c.file(file)).status, 0);
  assert.equal(nss('-A', '-n', 'mallory', '-t', ',,', '-i', c.other('mallory.crt')).status, 0);
  for (const [type, [, roles]] of Object.entries(CERTS)) {
    const client = nss('-V', '-n', type, '-u', 'C');
    const server = nss('-V', '-n', type, '-u', 'V');
    assert.equal(client.status === 0, roles.client, `${type} -u C: ${client.stdout}${client.stderr}`);
    assert.equal(server.status === 0, roles.server, `${type} -u V: ${server.stdout}${server.stderr}`);
    if (roles.client) assert.match(client.stdout, /certificate is valid/);
    if (!roles.server) assert.match(server.stdout + server.stderr, /not approved for application/);
  }
  const foreign = nss('-V', '-n', 'mallory', '-u', 'C');
  assert.notEqual(foreign.status, 0);
  assert.match(foreign.stdout + foreign.stderr, /Issuer certificate is invalid|issuer/i);
});

const party = (name, caFile = c.ca) => ({ key: c.file(`${name}.key`), cert: c.file(`${name}.crt`), ca: caFile });
const stranger = (name) => ({ key: c.other(`${name}.key`), cert: c.other(`${name}.crt`), ca: c.ca });

test('live: the control service accepts the API user and a node as clients', async () => {
  for (const client of ['alice', 'node1']) {
    for (const servername of ['127.0.0.1', 'control-service']) {
      const r = await handshake({ server: party('control-127.0.0.1'), client: party(client), servername });
      assert.ok(r.serverAccepted && r.clientAuthorized, `${client} → control as ${servername}: ${JSON.stringify(r)}`);
    }
  }
});

test('live: a control certificate presented as a client is refused (no clientAuth)', async () => {
  const servername = 'control-service';
  const r = await handshake({ server: party('control-127.0.0.1'), client: party('control-127.0.0.1'), servername });
  assert.equal(r.serverAccepted, false);
  const why = await handshake({ server: party('control-127.0.0.1'), client: party('control-127.0.0.1'), servername, diagnose: true });
  assert.equal(why.verifyError, 'INVALID_PURPOSE');
});

test('live: an API certificate presented as a server is refused by the client (no serverAuth)', async () => {
  const r = await handshake({ server: party('alice'), client: party('node1'), servername: '127.0.0.1' });
  assert.equal(r.serverAccepted, false);
  assert.ok(r.clientError, 'the client refuses the server');
});

test("live: another cluster's certificates are refused both ways", async () => {
  const asClient = await handshake({ server: party('control-127.0.0.1'), client: stranger('mallory'), servername: 'control-service' });
  assert.equal(asClient.serverAccepted, false);
  const asServer = await handshake({
    server: { key: c.other('control-127.0.0.1.key'), cert: c.other('control-127.0.0.1.crt'), ca: c.ca },
    client: party('alice'),
    servername: 'control-service',
  });
  assert.equal(asServer.serverAccepted, false);
  assert.match(asServer.clientError ?? '', /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
});
