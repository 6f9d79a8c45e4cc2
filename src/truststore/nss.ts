/**
 * NSS databases, where Firefox and (on Linux) Chromium keep the CAs they trust, found as mkcert
 * finds them: ~/.pki/nssdb, every Firefox profile (also the snap's), and /etc/pki/nssdb. The CA
 * goes in with certutil, trusted for TLS servers (`-t C,,`).
 */
import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isFile, mustRun, onPath, runTool, withAnchorFile, type TrustStore } from './target.js';

/** certutil's name for a database directory: sql: for cert9.db, dbm: for the old cert8.db. */
async function databases(): Promise<string[]> {
  const home = homedir();
  const candidates = [join(home, '.pki', 'nssdb'), '/etc/pki/nssdb'];
  for (const profiles of [join(home, '.mozilla', 'firefox'), join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox')]) {
    for (const p of await readdir(profiles).catch(() => [] as string[])) candidates.push(join(profiles, p));
  }
  const found: string[] = [];
  for (const dir of candidates) {
    if (await isFile(join(dir, 'cert9.db'))) found.push(`sql:${dir}`);
    else if (await isFile(join(dir, 'cert8.db'))) found.push(`dbm:${dir}`);
  }
  return found;
}

export const nssStore: TrustStore = {
  name: 'nss',
  async unavailable() {
    if (!(await onPath('certutil'))) return 'certutil is not installed (Debian libnss3-tools, Fedora nss-tools)';
    return (await databases()).length ? undefined : 'no NSS database (~/.pki/nssdb, a Firefox profile) was found';
  },
  async installed(a) {
    const found: string[] = [];
    for (const db of await databases()) {
      if ((await runTool('certutil', ['-L', '-d', db, '-n', a.nickname])).status === 0) found.push(db);
    }
    return found;
  },
  async install(a) {
    const already = await this.installed(a);
    const missing = (await databases()).filter((db) => !already.includes(db));
    if (missing.length === 0) return [];
    await withAnchorFile(a, async (file) => {
      for (const db of missing) await mustRun('certutil', ['-A', '-d', db, '-t', 'C,,', '-n', a.nickname, '-a', '-i', file], `adding the CA to ${db}`);
    });
    return missing;
  },
  async uninstall(a) {
    const done: string[] = [];
    for (const db of await this.installed(a)) {
      await mustRun('certutil', ['-D', '-d', db, '-n', a.nickname], `removing the CA from ${db}`);
      done.push(db);
    }
    return done;
  },
};
