// etcd members on loopback for interop tests: free ports, a member started with TLS files from a
// directory, curl against it, and bounded waits.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './ca.js';

export async function freePort() {
  const srv = createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/**
 * Starts member `name` in `dir` with client and peer TLS: `files(name)` gives its certificate, key
 * and trusted CA paths (relative to `dir`); `state` is 'existing' for a restart on its data
 * directory. Killed when the test ends.
 */
export function startMember(t, dir, name, ports, cluster, files = (n) => ({ cert: `${n}.crt`, key: `${n}.key`, ca: 'ca.crt' }), state = 'new') {
  const peer = `https://127.0.0.1:${ports[name].peer}`;
  const client = `https://127.0.0.1:${ports[name].client}`;
  const { cert, key, ca } = files(name);
  const args = [
    '--name', name, '--data-dir', join(dir, `${name}.etcd`),
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', cluster, '--initial-cluster-state', state, '--initial-cluster-token', 'clusterca-test',
    '--client-cert-auth', '--trusted-ca-file', ca, '--cert-file', cert, '--key-file', key,
    '--peer-client-cert-auth', '--peer-trusted-ca-file', ca, '--peer-cert-file', cert, '--peer-key-file', key,
  ];
  const child = spawn('etcd', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { child, client, exited, log: () => log };
}

export const curl = (dir, url, auth = ['--cert', 'alice.crt', '--key', 'alice.key'], caFile = 'ca.crt') =>
  run('curl', ['-sS', '--max-time', '5', '--cacert', caFile, ...auth, url], { cwd: dir });

export async function waitFor(check, what, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}
