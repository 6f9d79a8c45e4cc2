// A small cluster made with the real CLI, exported to plain files for other TLS stacks:
// server1 (peer, IP 127.0.0.1 + localhost), client1 (client), web (server), and a foreign CA with
// its own client. Keys are exported decrypted (--insecure), as etcd-ca's guide does.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caOk } from './ca.js';

export const PASSPHRASE = 'etcd-ca guide passphrase';

function exportTo(dir, name, outDir) {
  const tarFile = join(outDir, `${name}.tar`);
  caOk(dir, ['export', '--insecure', '--passphrase', PASSPHRASE, '--out', tarFile, name]);
  execFileSync('tar', ['xf', tarFile, '-C', outDir]);
}

/** Builds everything under `root`; returns a function giving the path of an exported file. */
export function makeCluster(root) {
  const home = join(root, 'cluster');
  const files = join(root, 'files');
  const foreign = join(root, 'foreign');
  for (const d of [home, files, foreign, join(foreign, 'files')]) mkdirSync(d, { recursive: true });
  const p = ['--passphrase', PASSPHRASE];
  caOk(home, ['init', '--key-bits', '2048', ...p, 'cluster-ca']);
  caOk(home, ['new-cert', ...p, '--ip', '127.0.0.1', '--domain', 'localhost', 'server1']);
  caOk(home, ['sign', ...p, 'server1']);
  caOk(home, ['new-cert', ...p, '--profile', 'client', 'client1']);
  caOk(home, ['sign', ...p, 'client1']);
  caOk(home, ['new-cert', ...p, '--profile', 'server', '--ip', '127.0.0.1', '--domain', 'localhost', 'web']);
  caOk(home, ['sign', ...p, 'web']);
  for (const n of ['server1', 'client1', 'web']) exportTo(home, n, files);

  caOk(foreign, ['init', '--key-bits', '2048', ...p, 'foreign-ca']);
  caOk(foreign, ['new-cert', ...p, '--profile', 'client', '--domain', 'localhost', 'intruder']);
  caOk(foreign, ['sign', ...p, 'intruder']);
  exportTo(foreign, 'intruder', join(foreign, 'files'));
  writeFileSync(join(root, 'ready'), '');
  return {
    home,
    file: (name) => join(files, name),
    foreign: (name) => join(foreign, 'files', name),
  };
}
