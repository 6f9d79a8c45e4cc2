/**
 * The system trust store, as mkcert installs into it: Debian and Ubuntu read extra anchors from
 * /usr/local/share/ca-certificates (`update-ca-certificates`, which also rebuilds
 * /etc/ssl/certs), Fedora and RHEL from /etc/pki/ca-trust/source/anchors (`update-ca-trust
 * extract`); macOS keeps them in the System keychain (`security`).
 */
import { readdir, readFile, readlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { failure } from '../error.js';
import { mustRun, onPath, runTool, withAnchorFile, type Anchor, type TrustStore } from './target.js';

interface Distribution {
  dir: string;
  refresh: [string, string[]];
  /** the file name an anchor gets: update-ca-certificates reads only *.crt */
  file: (a: Anchor) => string;
  /** links the refresh made for the anchor and leaves behind once it is gone */
  links?: { dir: string; of: (a: Anchor) => string };
}

/**
 * update-ca-certificates links /etc/ssl/certs/NAME.pem to the anchor and HASH.0 to that; removing
 * the anchor and refreshing rebuilds the bundle but leaves both links dangling, so they are removed
 * here and /etc/ssl/certs is as it was.
 */
const DEBIAN: Distribution = {
  dir: '/usr/local/share/ca-certificates',
  refresh: ['update-ca-certificates', []],
  file: (a) => `${a.nickname}.crt`,
  links: { dir: '/etc/ssl/certs', of: (a) => `${a.nickname}.pem` },
};
const FEDORA: Distribution = { dir: '/etc/pki/ca-trust/source/anchors', refresh: ['update-ca-trust', ['extract']], file: (a) => `${a.nickname}.pem` };
const MACOS_KEYCHAIN = '/Library/Keychains/System.keychain';

async function distribution(): Promise<Distribution | undefined> {
  if (await onPath('update-ca-certificates')) return DEBIAN;
  if (await onPath('update-ca-trust')) return FEDORA;
  return undefined;
}

export const systemStore: TrustStore = {
  name: 'system',
  async unavailable() {
    if (process.platform === 'darwin') return undefined;
    if (process.platform !== 'linux') return `${process.platform} is not supported`;
    return (await distribution()) ? undefined : 'neither update-ca-certificates (Debian, Ubuntu) nor update-ca-trust (Fedora, RHEL) is installed';
  },
  async installed(a) {
    if (process.platform === 'darwin') {
      const r = await runTool('security', ['find-certificate', '-a', '-c', a.nickname, MACOS_KEYCHAIN]);
      return r.status === 0 && r.stdout.includes(a.nickname) ? [MACOS_KEYCHAIN] : [];
    }
    const d = (await distribution())!;
    const path = join(d.dir, d.file(a));
    return (await readFile(path, 'utf8').catch(() => '')) === a.pem ? [path] : [];
  },
  async install(a) {
    if (process.platform === 'darwin') {
      await withAnchorFile(a, (file) => mustRun('security', ['add-trusted-cert', '-d', '-r', 'trustRoot', '-k', MACOS_KEYCHAIN, file], 'adding the CA to the System keychain'));
      return [`added to ${MACOS_KEYCHAIN}`];
    }
    const d = (await distribution())!;
    const path = join(d.dir, d.file(a));
    try {
      await writeFile(path, a.pem, { mode: 0o644 });
    } catch (err) {
      throw writeFailure(err, path);
    }
    await mustRun(d.refresh[0], d.refresh[1], `${d.refresh[0]} ${d.refresh[1].join(' ')}`.trim());
    return [`${path}, then ${[d.refresh[0], ...d.refresh[1]].join(' ')}`];
  },
  async uninstall(a) {
    if (process.platform === 'darwin') {
      await withAnchorFile(a, (file) => mustRun('security', ['remove-trusted-cert', '-d', file], 'removing the CA from the System keychain'));
      return [`removed from ${MACOS_KEYCHAIN}`];
    }
    const d = (await distribution())!;
    const path = join(d.dir, d.file(a));
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw writeFailure(err, path);
    }
    if (d.links) await removeLinks(d.links.dir, d.links.of(a));
    await mustRun(d.refresh[0], d.refresh[1], `${d.refresh[0]} ${d.refresh[1].join(' ')}`.trim());
    return [`${path} removed, then ${[d.refresh[0], ...d.refresh[1]].join(' ')}`];
  },
};

/** `name` in `dir` and the links to it (OpenSSL's hash links), when they are symbolic links. */
async function removeLinks(dir: string, name: string): Promise<void> {
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, entry);
    const target = await readlink(path).catch(() => undefined);
    if (target !== undefined && (entry === name || target === name || target === join(dir, name))) await unlink(path).catch(() => undefined);
  }
}

function writeFailure(err: unknown, path: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return failure(`${path} cannot be written: permission denied`, 'the system store needs root: sudo ca trust install --system');
  return err as Error;
}
