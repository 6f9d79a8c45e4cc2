// Mutual TLS with Node's tls (OpenSSL underneath): what we issue is accepted where it should be
// and refused where it should be: no client certificate, another CA's, a server-only certificate
// used as a client, a client-only certificate used as a server, a host name the certificate lacks.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCluster } from '../helpers/cluster.js';
import { handshake } from '../helpers/tls.js';

let c;
before(() => {
  const root = mkdtempSync(join(tmpdir(), 'clusterca-tls-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  c = makeCluster(root);
});

const server1 = () => ({ key: c.file('server1.key'), cert: c.file('server1.crt'), ca: c.file('ca.crt') });
const client1 = () => ({ key: c.file('client1.key'), cert: c.file('client1.crt'), ca: c.file('ca.crt') });

test('server1 (peer) serves client1 (client) over mutual TLS, verified as 127.0.0.1 and as localhost', async () => {
  for (const servername of ['127.0.0.1', 'localhost']) {
    const r = await handshake({ server: server1(), client: client1(), servername });
    assert.equal(r.clientError, null, `client side, ${servername}`);
    assert.equal(r.serverError, null);
    assert.ok(r.serverAccepted, `server accepted the client, ${servername}`);
    assert.ok(r.clientAuthorized, `client verified the server, ${servername}`);
  }
});

test('a peer certificate works as a client too (etcd peers)', async () => {
  const r = await handshake({ server: server1(), client: { ...server1() } });
  assert.ok(r.serverAccepted && r.clientAuthorized);
});

test('refused: no client certificate', async () => {
  const r = await handshake({ server: server1(), client: { ca: c.file('ca.crt') } });
  assert.equal(r.serverAccepted, false);
  assert.ok(r.serverError || r.clientError, 'one side reports the failure');
});

test("refused: a client certificate from another CA", async () => {
  const r = await handshake({
    server: server1(),
    client: { key: c.foreign('intruder.key'), cert: c.foreign('intruder.crt'), ca: c.file('ca.crt') },
  });
  assert.equal(r.serverAccepted, false);
  const why = await handshake({ server: server1(), client: { key: c.foreign('intruder.key'), cert: c.foreign('intruder.crt'), ca: c.file('ca.crt') }, diagnose: true });
  assert.match(why.verifyError, /UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
});

test('refused: a server-profile certificate presented as a client (no clientAuth)', async () => {
  const r = await handshake({
    server: server1(),
    client: { key: c.file('web.key'), cert: c.file('web.crt'), ca: c.file('ca.crt') },
  });
  assert.equal(r.serverAccepted, false);
  const why = await handshake({ server: server1(), client: { key: c.file('web.key'), cert: c.file('web.crt'), ca: c.file('ca.crt') }, diagnose: true });
  assert.equal(why.verifyError, 'INVALID_PURPOSE');
});

test('refused by the client: a client-profile certificate presented as a server (no serverAuth)', async () => {
  const r = await handshake({
    server: { key: c.file('client1.key'), cert: c.file('client1.crt'), ca: c.file('ca.crt') },
    client: client1(),
  });
  assert.equal(r.serverAccepted, false);
  assert.match(r.clientError ?? '', /UNSUITABLE|unsuitable|unsupported certificate purpose|INVALID_PURPOSE/i);
});

test('refused by the client: a host name the server certificate does not name', async () => {
  const r = await handshake({ server: server1(), client: client1(), servername: 'etcd9.example' });
  assert.equal(r.clientError, 'ERR_TLS_CERT_ALTNAME_INVALID');
});
