// Every key type (RSA, ECDSA P-256 and P-384, Ed25519) from a root store and from an intermediate
// store below it, handed to OpenSSL 3, GnuTLS, NSS, Java's keytool, curl and Node's tls: each must
// accept a server certificate for serving and a client certificate for client auth, with the chain
// the export gives (NAME.crt = certificate + intermediates, ca.crt = the root), and refuse them in
// the other role.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caOk, needs, run } from '../helpers/ca.js';
import { KEY_TYPES, makeHierarchy } from '../helpers/hierarchy.js';
import { handshake } from '../helpers/tls.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const P12_PASSWORD = 'p12-Passw0rd';
let root;
const made = {};
before(() => {
  root = mkdtempSync(join(tmpdir(), 'clusterca-keytypes-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  for (const type of Object.keys(KEY_TYPES)) made[type] = makeHierarchy(root, type);
});

const cases = Object.keys(KEY_TYPES).flatMap((type) => ['root', 'inter'].map((kind) => [type, kind]));
const label = (type, kind) => `${type} from ${kind === 'root' ? 'the root' : 'an intermediate'}`;

for (const [type, kind] of cases) {
  test(`OpenSSL 3 verify -x509_strict -purpose: ${label(type, kind)}`, { skip: needs('openssl', 'openssl') }, () => {
    const f = made[type][kind].file;
    const verify = (file, purpose) => run('openssl', ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', f('ca.crt'), '-untrusted', f(file), f(file)]);
    for (const [file, purpose] of [['srv.crt', 'sslserver'], ['srv.crt', 'sslclient'], ['cli.crt', 'sslclient']]) {
      const r = verify(file, purpose);
      assert.equal(r.status, 0, `${file} ${purpose}: ${r.stdout}${r.stderr}`);
    }
    assert.notEqual(verify('cli.crt', 'sslserver').status, 0, 'a client certificate is no server');
    const chainLength = (readFileSync(f('srv.crt'), 'utf8').match(/BEGIN CERTIFICATE/g) ?? []).length;
    assert.equal(chainLength, kind === 'root' ? 1 : 2, 'NAME.crt carries the intermediate');
  });

  test(`GnuTLS certtool --verify: ${label(type, kind)}`, { skip: needs('certtool', 'gnutls-bin') }, () => {
    const f = made[type][kind].file;
    const certtool = (file, purpose, host) =>
      run('certtool', ['--verify', '--load-ca-certificate', f('ca.crt'), '--infile', f(file), '--verify-purpose', purpose, ...(host ? ['--verify-hostname', host] : [])]);
    for (const [file, purpose, host] of [['srv.crt', SERVER_AUTH, 'localhost'], ['srv.crt', SERVER_AUTH, '127.0.0.1'], ['cli.crt', CLIENT_AUTH]]) {
      const r = certtool(file, purpose, host);
      assert.equal(r.status, 0, `${file}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /Chain verification output: Verified/);
    }
    assert.notEqual(certtool('cli.crt', SERVER_AUTH).status, 0);
  });

  test(`NSS certutil -V: ${label(type, kind)}`, { skip: needs('certutil', 'libnss3-tools') }, (t) => {
    const f = made[type][kind].file;
    const db = join(root, `nss-${type}-${kind}`);
    mkdirSync(db);
    const nss = (...args) => run('certutil', ['-d', `sql:${db}`, ...args]);
    assert.equal(nss('-N', '--empty-password').status, 0);
    const reference = type === 'ed25519' ? nssRefusesEd25519() : undefined;
    if (reference) {
      // This NSS predates Ed25519 (3.101): it refuses our root exactly as it refuses OpenSSL's own.
      const ours = nss('-A', '-n', 'root', '-t', 'CT,C,C', '-i', f('ca.crt'));
      assert.notEqual(ours.status, 0);
      assert.equal(ours.stderr.trim().split(': ').slice(1).join(': '), reference);
      t.diagnostic(`NSS ${nssVersion()} cannot import Ed25519 certificates; ours are refused with the same error as OpenSSL's`);
      return;
    }
    assert.equal(nss('-A', '-n', 'root', '-t', 'CT,C,C', '-i', f('ca.crt')).status, 0);
    const parts = (file) => readFileSync(f(file), 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g);
    for (const file of ['srv.crt', 'cli.crt']) {
      parts(file).forEach((pem, i) => {
        const path = join(db, `${file}.${i}.pem`);
        writeFileSync(path, pem);
        assert.equal(nss('-A', '-n', i === 0 ? file : `${file}-ca${i}`, '-t', ',,', '-i', path).status, 0, `${file} part ${i}`);
      });
    }
    const server = nss('-V', '-n', 'srv.crt', '-u', 'V');
    assert.equal(server.status, 0, server.stdout + server.stderr);
    assert.match(server.stdout, /certificate is valid/);
    assert.equal(nss('-V', '-n', 'cli.crt', '-u', 'C').status, 0);
    assert.notEqual(nss('-V', '-n', 'cli.crt', '-u', 'V').status, 0, 'a client certificate is no server');
  });

  test(`mutual TLS with Node's tls: ${label(type, kind)}`, async () => {
    const f = made[type][kind].file;
    const r = await handshake({ server: { key: f('srv.key'), cert: f('srv.crt'), ca: f('ca.crt') }, client: { key: f('cli.key'), cert: f('cli.crt'), ca: f('ca.crt') } });
    assert.ok(r.serverAccepted && r.clientAuthorized, JSON.stringify(r));
    const wrongRole = await handshake({ server: { key: f('cli.key'), cert: f('cli.crt'), ca: f('ca.crt') }, client: { key: f('cli.key'), cert: f('cli.crt'), ca: f('ca.crt') } });
    assert.ok(!wrongRole.clientAuthorized, 'a client certificate cannot serve');
  });

  test(`mutual TLS with curl: ${label(type, kind)}`, { skip: needs('curl', 'curl') }, async () => {
    const f = made[type][kind].file;
    const served = await curlAgainst(f, ['--cert', f('cli.crt'), '--key', f('cli.key')], `hello ${type}`);
    assert.equal(served.status, 0, served.stderr);
    assert.equal(served.stdout, `hello ${type}`);
    const anonymous = await curlAgainst(f, [], 'unreachable');
    assert.notEqual(anonymous.status, 0, 'no client certificate, no answer');
  });

  test(`PKCS#12, both encryptions, into keytool and Node's tls: ${label(type, kind)}`, { skip: needs('keytool', 'default-jre-headless') }, async () => {
    const { dir, store, file: f } = made[type][kind];
    for (const encryption of ['legacy', 'aes256']) {
      const p12 = join(dir, `${kind}-${encryption}.p12`);
      caOk(dir, ['export', '--store', store, '--format', 'p12', '--p12-encryption', encryption, '--out', p12, 'cli'], { env: { CA_P12_PASSWORD: P12_PASSWORD } });
      const list = run('keytool', ['-list', '-v', '-storetype', 'PKCS12', '-keystore', p12, '-storepass', P12_PASSWORD]);
      assert.equal(list.status, 0, list.stdout + list.stderr);
      assert.match(list.stdout, /Entry type: PrivateKeyEntry/);
      assert.match(list.stdout, new RegExp(`Certificate chain length: ${kind === 'root' ? 2 : 3}`));
      const jks = join(dir, `${kind}-${encryption}.imported.p12`);
      const imported = run('keytool', ['-importkeystore', '-srckeystore', p12, '-srcstoretype', 'PKCS12', '-srcstorepass', P12_PASSWORD, '-destkeystore', jks, '-deststoretype', 'PKCS12', '-deststorepass', P12_PASSWORD, '-noprompt']);
      assert.equal(imported.status, 0, imported.stdout + imported.stderr);
      const r = await handshake({ server: { key: f('srv.key'), cert: f('srv.crt'), ca: f('ca.crt') }, client: { pfx: p12, passphrase: P12_PASSWORD, ca: f('ca.crt') } });
      assert.ok(r.serverAccepted && r.clientAuthorized, `${encryption}: ${JSON.stringify(r)}`);
    }
  });
}

test('ca verify walks the chain of an intermediate store, for every key type', () => {
  for (const type of Object.keys(KEY_TYPES)) {
    const { dir, store, file: f } = made[type].inter;
    const r = caOk(dir, ['verify', '--store', store, '--host', 'localhost', '--usage', 'server', f('srv.crt')]);
    assert.match(r.out, /: valid$/m);
    assert.equal(caOk(dir, ['chain', '--store', store, 'srv']).out.match(/BEGIN CERTIFICATE/g).length, 3, 'leaf, intermediate, root');
    assert.match(caOk(dir, ['show', '--store', store, 'srv']).out, new RegExp(`^Key: +${{ rsa: 'RSA 2048', p256: 'ECDSA P-256', p384: 'ECDSA P-384', ed25519: 'Ed25519' }[type]}$`, 'm'));
  }
});

/** Runs curl (asynchronously: the server is in this process) against an https server that requires a client certificate. */
async function curlAgainst(f, auth, body) {
  const server = https.createServer({ key: readFileSync(f('srv.key')), cert: readFileSync(f('srv.crt')), ca: readFileSync(f('ca.crt')), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `https://localhost:${server.address().port}/`;
    return await new Promise((resolve) => {
      const child = spawn('curl', ['-sS', '--max-time', '5', '--resolve', `localhost:${server.address().port}:127.0.0.1`, '--cacert', f('ca.crt'), ...auth, url]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  } finally {
    server.close();
  }
}

/**
 * NSS added Ed25519 certificates in 3.101; Debian 12's 3.87 cannot import even one that OpenSSL
 * made. Returns the error it gives OpenSSL's own Ed25519 CA certificate, or undefined when it takes it.
 */
function nssRefusesEd25519() {
  const dir = mkdtempSync(join(tmpdir(), 'clusterca-nss-probe-'));
  try {
    run('openssl', ['req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', join(dir, 'k'), '-subj', '/CN=probe', '-addext', 'basicConstraints=critical,CA:TRUE', '-out', join(dir, 'c.pem')]);
    run('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']);
    const r = run('certutil', ['-A', '-d', `sql:${dir}`, '-n', 'probe', '-t', 'CT,C,C', '-i', join(dir, 'c.pem')]);
    return r.status === 0 ? undefined : r.stderr.trim().split(': ').slice(1).join(': ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function nssVersion() {
  return run('sh', ['-c', "dpkg-query -W -f '${Version}' libnss3 2>/dev/null || echo unknown"]).stdout.trim();
}
