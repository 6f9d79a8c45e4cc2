// A root store and an intermediate store below it (`ca init --parent`), of one key type, each with
// a server certificate (127.0.0.1, localhost) and a client certificate, exported the way a user
// exports them: NAME.crt (the certificate and the intermediates), NAME.key, ca.crt (the root).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { caOk } from './ca.js';

export const KEY_TYPES = {
  rsa: ['--key-type', 'rsa', '--key-bits', '2048'],
  p256: ['--key-type', 'ecdsa'],
  p384: ['--key-type', 'ecdsa', '--curve', 'P-384'],
  ed25519: ['--key-type', 'ed25519'],
};

function exportTo(dir, store, name, out) {
  const tar = join(out, `${name}.tar`);
  caOk(dir, ['export', '--store', store, '--insecure', '--out', tar, name]);
  execFileSync('tar', ['xf', tar, '-C', out]);
}

/** Builds both stores for `type` under `root`; returns, per CA kind, a function naming exported files. */
export function makeHierarchy(root, type) {
  const dir = join(root, type);
  mkdirSync(dir, { recursive: true });
  caOk(dir, ['init', '--store', 'root', ...KEY_TYPES[type], '--path-length', '1', `${type}-root`]);
  caOk(dir, ['init', '--store', 'inter', '--parent', 'root', `${type}-intermediate`]);
  const kinds = {};
  for (const kind of ['root', 'inter']) {
    const out = join(dir, `${kind}-files`);
    mkdirSync(out);
    caOk(dir, ['create-node-certificate', '--store', kind, '--name', 'srv', '--ip', '127.0.0.1', '--domain', 'localhost', '--out', out]);
    caOk(dir, ['create-api-certificate', '--store', kind, '--out', out, 'cli']);
    for (const name of ['srv', 'cli']) exportTo(dir, kind, name, out);
    kinds[kind] = { dir, store: join(dir, kind), file: (name) => join(out, name) };
  }
  return kinds;
}
