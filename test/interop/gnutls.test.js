// GnuTLS's certtool verifies our chains with a purpose and a host name, as GnuTLS clients would.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs, run } from '../helpers/ca.js';
import { makeCluster } from '../helpers/cluster.js';

const skip = needs('certtool', 'gnutls-bin');
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
let c;
before(() => {
  if (skip) return;
  const root = mkdtempSync(join(tmpdir(), 'clusterca-gnutls-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  c = makeCluster(root);
});

const certtool = (name, purpose, host, caFile = c.file('ca.crt')) =>
  run('certtool', [
    '--verify', '--load-ca-certificate', caFile, '--infile', name, '--verify-purpose', purpose,
    ...(host ? ['--verify-hostname', host] : []),
  ]);

test('certtool accepts server1 for serverAuth at 127.0.0.1 and localhost, and client1 for clientAuth', { skip }, () => {
  for (const host of ['localhost', '127.0.0.1']) {
    const r = certtool(c.file('server1.crt'), SERVER_AUTH, host);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Chain verification output: Verified/);
  }
  const client = certtool(c.file('client1.crt'), CLIENT_AUTH);
  assert.equal(client.status, 0, client.stdout + client.stderr);
});

test('certtool refuses a client certificate for serverAuth, a wrong host, and a foreign CA', { skip }, () => {
  assert.notEqual(certtool(c.file('client1.crt'), SERVER_AUTH).status, 0);
  const host = certtool(c.file('server1.crt'), SERVER_AUTH, 'other.example');
  assert.notEqual(host.status, 0);
  assert.match(host.stdout, /does not match/);
  assert.notEqual(certtool(c.foreign('intruder.crt'), CLIENT_AUTH).status, 0);
});
