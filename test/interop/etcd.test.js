// etcd's documented TLS setup with certificates from the one-step commands, on loopback only:
// a member with --client-cert-auth serving curl with an API user's certificate, and three members
// forming a cluster over peer TLS with --peer-client-cert-auth, the same cluster with members enrolled
// through `ca serve` and one renewed through it. Every wait is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { caOk, needs, run, tempDir } from '../helpers/ca.js';
import { curl, freePort, startMember, waitFor } from '../helpers/etcd.js';

const skip = needs('etcd', 'etcd-server') || needs('curl', 'curl') || needs('etcdctl', 'etcd-client');

function makeCredentials(dir) {
  caOk(dir, ['init', '--key-bits', '2048', 'etcd-test']);
  for (const n of ['m1', 'm2', 'm3']) caOk(dir, ['create-node-certificate', '--name', n, '--ip', '127.0.0.1', '--domain', 'localhost']);
  caOk(dir, ['create-api-certificate', 'alice']);
  caOk(dir, ['create-control-certificate', '127.0.0.1']);
  const other = join(dir, 'other');
  mkdirSync(other);
  caOk(other, ['init', '--key-bits', '2048', 'other']);
  caOk(other, ['create-api-certificate', 'mallory']);
  caOk(dir, ['export', '--out', 'ca.tar']);
  run('tar', ['xf', 'ca.tar'], { cwd: dir });
}

test('an etcd member with --client-cert-auth serves curl with the API user certificate, and refuses others', { skip, timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  makeCredentials(dir);
  const ports = { m1: { client: await freePort(), peer: await freePort() } };
  const m1 = startMember(t, dir, 'm1', ports, `m1=https://127.0.0.1:${ports.m1.peer}`);
  await waitFor(() => curl(dir, `${m1.client}/version`).status === 0, `etcd to start: ${m1.log()}`);
  const version = JSON.parse(curl(dir, `${m1.client}/version`).stdout);
  assert.match(version.etcdserver, /^3\./);

  assert.notEqual(curl(dir, `${m1.client}/version`, []).status, 0, 'no client certificate');
  assert.notEqual(curl(dir, `${m1.client}/version`, ['--cert', 'other/mallory.crt', '--key', 'other/mallory.key']).status, 0, "another cluster's user");
  assert.notEqual(curl(dir, `${m1.client}/version`, ['--cert', 'control-127.0.0.1.crt', '--key', 'control-127.0.0.1.key']).status, 0, 'a server-only certificate as a client');
});

test('three etcd members form a cluster over peer TLS with node certificates', { skip, timeout: 90_000 }, async (t) => {
  const dir = tempDir(t);
  makeCredentials(dir);
  const ports = {};
  for (const n of ['m1', 'm2', 'm3']) ports[n] = { client: await freePort(), peer: await freePort() };
  const cluster = ['m1', 'm2', 'm3'].map((n) => `${n}=https://127.0.0.1:${ports[n].peer}`).join(',');
  const members = ['m1', 'm2', 'm3'].map((n) => startMember(t, dir, n, ports, cluster));
  for (const m of members) {
    await waitFor(() => /"health":"true"/.test(curl(dir, `${m.client}/health`).stdout), `a healthy member: ${m.log()}`);
  }
  const ctl = (endpoint, ...args) =>
    run('etcdctl', ['--endpoints', endpoint, '--cacert', 'ca.crt', '--cert', 'alice.crt', '--key', 'alice.key', ...args], {
      cwd: dir,
      env: { ...process.env, ETCDCTL_API: '3' },
      timeout: 15_000,
    });
  const list = ctl(members[0].client, 'member', 'list', '-w', 'json');
  assert.equal(list.status, 0, list.stderr);
  assert.equal(JSON.parse(list.stdout).members.length, 3);
  assert.equal(ctl(members[0].client, 'put', 'greeting', 'hello over mTLS').status, 0);
  await waitFor(() => ctl(members[2].client, 'get', 'greeting', '--print-value-only').stdout.trim() === 'hello over mTLS', 'replication to m3');
});

test('etcd (Go) serves and requires client certificates with ECDSA certificates from a constrained intermediate store', { skip, timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--store', 'root', '--key-type', 'ecdsa', '--path-length', '1', 'org-root']);
  caOk(dir, ['init', '--store', 'inter', '--parent', 'root', '--permit-domain', 'localhost', '--permit-ip', '127.0.0.0/8', 'etcd-intermediate']);
  caOk(dir, ['create-node-certificate', '--store', 'inter', '--name', 'm1', '--ip', '127.0.0.1', '--domain', 'localhost']);
  caOk(dir, ['create-api-certificate', '--store', 'inter', 'alice']);
  caOk(dir, ['export', '--store', 'inter', '--out', 'ca.tar']);
  run('tar', ['xf', 'ca.tar'], { cwd: dir }); // ca.crt: the root
  assert.match(run('openssl', ['x509', '-in', join(dir, 'm1.crt'), '-noout', '-text']).stdout, /Public Key Algorithm: id-ecPublicKey/);
  const ports = { m1: { client: await freePort(), peer: await freePort() } };
  const m1 = startMember(t, dir, 'm1', ports, `m1=https://127.0.0.1:${ports.m1.peer}`);
  await waitFor(() => curl(dir, `${m1.client}/version`).status === 0, `etcd to start: ${m1.log()}`);
  assert.match(JSON.parse(curl(dir, `${m1.client}/version`).stdout).etcdserver, /^3\./);
  assert.notEqual(curl(dir, `${m1.client}/version`, []).status, 0, 'no client certificate');
});

test('three etcd members enrolled through `ca serve` with tokens form a cluster; a member renewed with `ca renew --server` keeps working after a restart', { skip, timeout: 150_000 }, async (t) => {
  const { startServe } = await import('../helpers/serve.js');
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', 'etcd-online']);
  const server = await startServe(dir);
  t.after(() => server.stop());
  const names = ['m1', 'm2', 'm3'];
  for (const n of names) {
    // Each member's directory stands for its own machine: the key is made there and never sent.
    const token = caOk(dir, ['token', 'create', '--profile', 'peer', '--name', n, '--ip', '127.0.0.1', '--domain', 'localhost']).out.trim();
    caOk(dir, ['enroll', '--server', server.url, '--fingerprint', server.fingerprint.replaceAll(':', '').toLowerCase(), '--token', token, '--out', n, n]);
  }
  const userToken = caOk(dir, ['token', 'create', '--profile', 'client', '--name', 'alice']).out.trim();
  caOk(dir, ['enroll', '--server', server.url, '--fingerprint', server.fingerprint, '--token', userToken, '--out', 'alice', 'alice']);

  const files = (n) => ({ cert: `${n}/${n}.crt`, key: `${n}/${n}.key`, ca: `${n}/ca.crt` });
  const ports = {};
  for (const n of names) ports[n] = { client: await freePort(), peer: await freePort() };
  const cluster = names.map((n) => `${n}=https://127.0.0.1:${ports[n].peer}`).join(',');
  const members = names.map((n) => startMember(t, dir, n, ports, cluster, files));
  const asAlice = ['--cert', 'alice/alice.crt', '--key', 'alice/alice.key'];
  const healthy = (m) => /"health":"true"/.test(curl(dir, `${m.client}/health`, asAlice, 'alice/ca.crt').stdout);
  for (const m of members) await waitFor(() => healthy(m), `a healthy member: ${m.log()}`);
  // etcd's v3 JSON gateway, as alice: keys and values are base64.
  const b64 = (v) => Buffer.from(v).toString('base64');
  const kv = (m, op, body) => run('curl', ['-sS', '--max-time', '5', '--cacert', 'alice/ca.crt', ...asAlice, '-X', 'POST', '-d', JSON.stringify(body), `${m.client}/v3/kv/${op}`], { cwd: dir });
  const valueAt = (m) => {
    const r = kv(m, 'range', { key: b64('k') });
    return r.status === 0 ? Buffer.from(JSON.parse(r.stdout).kvs?.[0]?.value ?? '', 'base64').toString() : undefined;
  };
  const put = kv(members[0], 'put', { key: b64('k'), value: b64('v1') });
  assert.equal(put.status, 0, put.stderr);

  const before = new X509Certificate(readFileSync(join(dir, 'm2', 'm2.crt')));
  const renewed = caOk(dir, ['renew', '--server', server.url, '--cert', 'm2/m2.crt', '--key', 'm2/m2.key']);
  const after = new X509Certificate(readFileSync(join(dir, 'm2', 'm2.crt')));
  assert.notEqual(after.serialNumber, before.serialNumber, renewed.out);
  assert.ok(after.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'm2', 'm2.key')))), 'the key still matches');

  members[1].child.kill('SIGTERM');
  await members[1].exited;
  // Restarted on its existing data directory: the cluster already exists.
  const m2 = startMember(t, dir, 'm2', ports, cluster, files, 'existing');
  await waitFor(() => healthy(m2), `m2 back with its renewed certificate: ${m2.log()}`);
  assert.equal(valueAt(m2), 'v1');
  // m2's peers now see the renewed certificate on the peer connection: a write through m1 reaches m2.
  const put2 = kv(members[0], 'put', { key: b64('k'), value: b64('v2') });
  assert.equal(put2.status, 0, put2.stderr);
  await waitFor(() => valueAt(m2) === 'v2', 'replication to the restarted member');
  const served = new X509Certificate(run('openssl', ['s_client', '-connect', `127.0.0.1:${ports.m2.client}`, '-servername', 'localhost'], { input: '', cwd: dir }).stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)[0]);
  assert.equal(served.serialNumber, after.serialNumber, 'm2 serves the renewed certificate');
});
