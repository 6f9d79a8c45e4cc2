// etcd's documented TLS setup with certificates from the one-step commands, on loopback only:
// a member with --client-cert-auth serving curl with an API user's certificate, and three members
// forming a cluster over peer TLS with --peer-client-cert-auth. Every wait is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { caOk, needs, run, tempDir } from '../helpers/ca.js';

const skip = needs('etcd', 'etcd-server') || needs('curl', 'curl') || needs('etcdctl', 'etcd-client');

async function freePort() {
  const srv = createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

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

function startMember(t, dir, name, ports, cluster) {
  const peer = `https://127.0.0.1:${ports[name].peer}`;
  const client = `https://127.0.0.1:${ports[name].client}`;
  const args = [
    '--name', name, '--data-dir', join(dir, `${name}.etcd`),
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'clusterca-test',
    '--client-cert-auth', '--trusted-ca-file', 'ca.crt', '--cert-file', `${name}.crt`, '--key-file', `${name}.key`,
    '--peer-client-cert-auth', '--peer-trusted-ca-file', 'ca.crt', '--peer-cert-file', `${name}.crt`, '--peer-key-file', `${name}.key`,
  ];
  const child = spawn('etcd', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  t.after(() => child.kill('SIGKILL'));
  return { child, client, log: () => log };
}

const curl = (dir, url, auth = ['--cert', 'alice.crt', '--key', 'alice.key']) =>
  run('curl', ['-sS', '--max-time', '5', '--cacert', 'ca.crt', ...auth, url], { cwd: dir });

async function waitFor(check, what, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
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
