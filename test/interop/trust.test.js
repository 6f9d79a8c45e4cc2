// `ca trust install|uninstall|status` (SPEC "Ecosystem") against the real trust stores of this
// Debian machine: the system store, where curl and `openssl s_client` then trust a server of the CA
// without --cacert, and from which uninstall takes it out leaving /etc/ssl/certs exactly as it
// was; an NSS database and a Firefox profile, read with certutil; a copy of Java's cacerts, read
// with keytool. The system store needs root: the test says that it skipped where it is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { createServer } from 'node:tls';
import { join } from 'node:path';
import { ca, caOk, needs, run, tempDir } from '../helpers/ca.js';

const BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const ANCHORS = '/usr/local/share/ca-certificates';

function systemSkip() {
  if (process.getuid?.() !== 0) return 'the system trust store needs root';
  return needs('update-ca-certificates', 'ca-certificates') || needs('curl', 'curl') || needs('openssl', 'openssl');
}

/** What uninstall must give back: the bundle's bytes and every name (and link) in the directories. */
function systemState() {
  const links = (dir) => readdirSync(dir).sort().map((n) => [n, (() => { try { return readlinkSync(join(dir, n)); } catch { return null; } })()]);
  return { bundle: createHash('sha256').update(readFileSync(BUNDLE)).digest('hex'), certs: links('/etc/ssl/certs'), anchors: links(ANCHORS) };
}

/** A TLS server on 127.0.0.1 with `name`'s certificate from the store in `dir`; closed by the test. */
async function serve(t, dir, name) {
  const server = createServer({ cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) }, (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return server.address().port;
}

test('--system: curl and openssl s_client trust a server of the CA without --cacert; uninstall leaves /etc/ssl/certs as it was', { skip: systemSkip(), timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', 'Trust Interop']);
  caOk(dir, ['create-control-certificate', '127.0.0.1']);
  const port = await serve(t, dir, 'control-127.0.0.1');
  // Asynchronous: the server answers from this process's event loop.
  const curl = () => runAsync('curl', ['-sS', '--max-time', '5', `https://127.0.0.1:${port}/`]);
  const sClient = () => runAsync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-verify_return_error', '-verify_ip', '127.0.0.1']);
  // The state to give back is the one update-ca-certificates itself makes: an anchor dropped into
  // /usr/local/share/ca-certificates but not linked yet would otherwise be linked by uninstall's
  // update and read as a difference that ca did not make.
  const settled = run('update-ca-certificates', []);
  assert.equal(settled.status, 0, settled.stderr);
  const before = systemState();
  assert.notEqual((await curl()).status, 0, 'not trusted before');
  try {
    await installedAndRemoved(dir, curl, sClient, before);
  } finally {
    ca(dir, ['trust', 'uninstall', '--system']); // whatever happened, the machine's store is given back
  }
});

async function installedAndRemoved(dir, curl, sClient, before) {
  const installed = caOk(dir, ['trust', 'install', '--system']);
  assert.match(installed.stderr, /system: trusted \(\/usr\/local\/share\/ca-certificates\/clusterca-trust-interop-[0-9a-f]{8}\.crt, then update-ca-certificates\)/);
  const r = await curl();
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'ok');
  const s = await sClient();
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /Verify return code: 0 \(ok\)/);
  assert.match(caOk(dir, ['trust', 'status', '--system']).out, /^system: trusted \(/m);
  assert.match(caOk(dir, ['trust', 'install', '--system']).stderr, /system: (already )?trusted/, 'installing twice is harmless');

  assert.match(caOk(dir, ['trust', 'uninstall', '--system']).stderr, /system: removed/);
  assert.deepEqual(systemState(), before, 'the bundle, /etc/ssl/certs and the anchors are as before');
  assert.notEqual((await curl()).status, 0, 'not trusted after');
  assert.notEqual((await sClient()).status, 0);
  assert.match(caOk(dir, ['trust', 'status', '--system']).out, /^system: not trusted$/m);
  assert.match(caOk(dir, ['trust', 'uninstall', '--system']).stderr, /system: not there/);
}

function runAsync(cmd, args) {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 15_000 }, (err, stdout, stderr) => resolve({ status: err ? (err.code ?? 1) : 0, stdout, stderr }));
    child.stdin.end();
  });
}

test('--nss: into ~/.pki/nssdb and every Firefox profile, trusted for TLS servers; out again', { skip: needs('certutil', 'libnss3-tools'), timeout: 60_000 }, (t) => {
  const dir = tempDir(t);
  const home = join(dir, 'home');
  const dbs = [join(home, '.pki', 'nssdb'), join(home, '.mozilla', 'firefox', 'x1y2z3.default-release')];
  for (const db of dbs) {
    mkdirSync(db, { recursive: true });
    assert.equal(run('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']).status, 0);
  }
  const env = { HOME: home };
  caOk(dir, ['init', '--key-type', 'ecdsa', 'NSS Interop']);
  const r = caOk(dir, ['trust', 'install', '--nss'], { env });
  for (const db of dbs) assert.ok(r.stderr.includes(`sql:${db}`), r.stderr);
  const nick = JSON.parse(caOk(dir, ['trust', 'status', '--json'], { env }).out).ca.nickname;
  for (const db of dbs) {
    const listed = run('certutil', ['-L', '-d', `sql:${db}`]);
    assert.match(listed.stdout, new RegExp(`${nick}\\s+C,,`), listed.stdout);
    const pem = run('certutil', ['-L', '-d', `sql:${db}`, '-n', nick, '-a']).stdout;
    assert.equal(pem.replace(/\r/g, '').trim(), readFileSync(join(dir, '.ca', 'ca.crt'), 'utf8').trim());
  }
  assert.match(caOk(dir, ['trust', 'status', '--nss'], { env }).out, /^nss: trusted \(/m);
  caOk(dir, ['trust', 'uninstall', '--nss'], { env });
  for (const db of dbs) assert.doesNotMatch(run('certutil', ['-L', '-d', `sql:${db}`]).stdout, new RegExp(nick));

  // Asked for by name where it cannot be used: a failure that says why (exit 1); not asked: skipped.
  const bare = { HOME: join(dir, 'empty-home') };
  const asked = ca(dir, ['trust', 'install', '--nss'], { env: bare });
  assert.equal(asked.status, 1);
  assert.match(asked.stderr, /nss: no NSS database \(~\/\.pki\/nssdb, a Firefox profile\) was found/);
  assert.match(caOk(dir, ['trust', 'status'], { env: bare }).stderr, /nss: skipped: no NSS database/);
});

test("--java: into a copy of Java's cacerts under JAVA_HOME, which keytool lists; out again", { skip: needs('keytool', 'default-jre-headless'), timeout: 60_000 }, (t) => {
  const dir = tempDir(t);
  const realHome = join(realpathSync(run('sh', ['-c', 'command -v keytool']).stdout.trim()), '..', '..');
  const fakeHome = join(dir, 'jdk');
  mkdirSync(join(fakeHome, 'lib', 'security'), { recursive: true });
  const cacerts = join(fakeHome, 'lib', 'security', 'cacerts');
  copyFileSync(join(realHome, 'lib', 'security', 'cacerts'), cacerts);
  const original = createHash('sha256').update(readFileSync(join(realHome, 'lib', 'security', 'cacerts'))).digest('hex');
  const env = { JAVA_HOME: fakeHome };
  caOk(dir, ['init', '--key-type', 'ecdsa', 'Java Interop']);
  assert.match(caOk(dir, ['trust', 'install', '--java'], { env }).stderr, new RegExp(`java: trusted \\(${cacerts.replace(/[/.]/g, '\\$&')}\\)`));
  const nick = JSON.parse(caOk(dir, ['trust', 'status', '--json'], { env }).out).ca.nickname;
  const list = (alias) => run('keytool', ['-list', '-keystore', cacerts, '-storepass', 'changeit', '-alias', alias]);
  const listed = list(nick);
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /trustedCertEntry/);
  assert.match(caOk(dir, ['trust', 'install', '--java'], { env }).stderr, /java: already trusted/);
  caOk(dir, ['trust', 'uninstall', '--java'], { env });
  assert.notEqual(list(nick).status, 0);
  assert.equal(createHash('sha256').update(readFileSync(join(realHome, 'lib', 'security', 'cacerts'))).digest('hex'), original, "the machine's own cacerts is untouched");
});

test('an intermediate store trusts its root, under one name in every store', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--store', 'root', '--key-type', 'ecdsa', '--path-length', '1', 'Org Root']);
  caOk(dir, ['init', '--store', 'inter', '--parent', 'root', 'Cluster Inter']);
  const status = JSON.parse(caOk(dir, ['trust', 'status', '--store', 'inter', '--json']).out);
  const root = JSON.parse(caOk(dir, ['trust', 'status', '--store', 'root', '--json']).out);
  assert.deepEqual(status.ca, root.ca);
  assert.match(status.ca.nickname, /^clusterca-org-root-[0-9a-f]{8}$/);
  assert.deepEqual(status.results.map((r) => r.target), ['system', 'nss', 'java']);
});
