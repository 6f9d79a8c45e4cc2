// A flocker-style cluster made with the one-step commands: an API user (alice), a node and the
// control service at 127.0.0.1, plus another cluster's API user (mallory) signed by its own CA.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { caOk } from './ca.js';

export function makeFlockerCluster(root) {
  const home = join(root, 'cluster');
  const other = join(root, 'other');
  for (const d of [home, other]) mkdirSync(d, { recursive: true });
  caOk(home, ['init', '--key-bits', '2048', 'flocker']);
  caOk(home, ['create-api-certificate', 'alice']);
  caOk(home, ['create-node-certificate', '--name', 'node1', '--ip', '127.0.0.1', '--domain', 'localhost']);
  caOk(home, ['create-control-certificate', '127.0.0.1']);
  caOk(other, ['init', '--key-bits', '2048', 'other']);
  caOk(other, ['create-api-certificate', 'mallory']);
  caOk(other, ['create-control-certificate', '127.0.0.1']);
  const f = (dir) => (name) => join(dir, name);
  return { home, file: f(home), ca: join(home, '.ca/ca.crt'), other: f(other), otherCa: join(other, '.ca/ca.crt') };
}
