/**
 * Java's cacerts, as mkcert finds it: under $JAVA_HOME (lib/security/cacerts, or jre/lib/security
 * for Java 8), else under the Java that runs `keytool` on the PATH. Its password is Java's
 * well-known default, "changeit": it guards the file's integrity, not a secret.
 */
import { realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isFile, mustRun, onPath, runTool, withAnchorFile, type TrustStore } from './target.js';

const STOREPASS = 'changeit';

async function javaHome(): Promise<string | undefined> {
  if (process.env.JAVA_HOME) return process.env.JAVA_HOME;
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const real = await realpath(join(dir, 'keytool')).catch(() => undefined);
    if (real) return dirname(dirname(real)); // <home>/bin/keytool
  }
  return undefined;
}

async function cacerts(): Promise<string | undefined> {
  const home = await javaHome();
  if (!home) return undefined;
  for (const p of [join(home, 'lib', 'security', 'cacerts'), join(home, 'jre', 'lib', 'security', 'cacerts')]) {
    if (await isFile(p)) return p;
  }
  return undefined;
}

/** keytool of that Java when it has one, else the one on the PATH. */
async function keytool(): Promise<string> {
  const home = await javaHome();
  const own = home && join(home, 'bin', 'keytool');
  return own && (await isFile(own)) ? own : 'keytool';
}

export const javaStore: TrustStore = {
  name: 'java',
  async unavailable() {
    if (!(await cacerts())) return 'no Java cacerts was found (set JAVA_HOME)';
    return (await keytool()) === 'keytool' && !(await onPath('keytool')) ? 'keytool is not installed' : undefined;
  },
  async installed(a) {
    const file = (await cacerts())!;
    const r = await runTool(await keytool(), ['-list', '-keystore', file, '-storepass', STOREPASS, '-alias', a.nickname]);
    return r.status === 0 ? [file] : [];
  },
  async install(a) {
    const file = (await cacerts())!;
    if ((await this.installed(a)).length) return [];
    const tool = await keytool();
    await withAnchorFile(a, (pem) => mustRun(tool, ['-importcert', '-noprompt', '-trustcacerts', '-keystore', file, '-storepass', STOREPASS, '-alias', a.nickname, '-file', pem], `adding the CA to ${file}`));
    return [file];
  },
  async uninstall(a) {
    const file = (await cacerts())!;
    if ((await this.installed(a)).length === 0) return [];
    await mustRun(await keytool(), ['-delete', '-keystore', file, '-storepass', STOREPASS, '-alias', a.nickname], `removing the CA from ${file}`);
    return [file];
  },
};
