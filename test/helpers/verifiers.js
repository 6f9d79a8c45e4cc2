// The verifiers a certificate chain must satisfy (OpenSSL, GnuTLS, NSS, Go, Java), each giving
// 'ok' or its reason, and a forger that makes a certificate outside `ca` with a CA's key, as
// whoever stole that key would. Used by the name-constraint interop tests.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './ca.js';

const JAVA_CHECK = fileURLToPath(new URL('../interop/java/PkixCheck.java', import.meta.url));
const GO_CHECK = fileURLToPath(new URL('../interop/go/verify.go', import.meta.url));

export const pems = (file) => readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g);

/**
 * A certificate for `san` (openssl x509 -req), signed with the key of the CA store `storeDir`:
 * the chain file a server would send (the certificate, then every intermediate).
 * `{ subject, serial, serverAuth = true, sections }` as options; `sections`: more openssl config
 * text, e.g. the section a `dirName:` SAN names.
 */
export function forgeWith(storeDir, outDir, name, san, { subject = '/CN=forged server', serial, serverAuth = true, sections = '' } = {}) {
  mkdirSync(outDir, { recursive: true });
  const p = (ext) => join(outDir, `${name}.${ext}`);
  run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('key'), '-subj', subject, '-out', p('csr')]);
  const ext = [...(san ? [`subjectAltName=${san}`] : []), `extendedKeyUsage=${serverAuth ? 'serverAuth' : 'clientAuth'}`, 'basicConstraints=critical,CA:FALSE', 'authorityKeyIdentifier=keyid'];
  writeFileSync(p('ext'), `${ext.join('\n')}\n${sections}`);
  const r = run('openssl', ['x509', '-req', '-in', p('csr'), '-CA', join(storeDir, 'ca.crt'), '-CAkey', join(storeDir, 'ca.key'), '-set_serial', serial ?? `0x${Buffer.from(name).toString('hex').slice(0, 30)}`, '-days', '30', '-extfile', p('ext'), '-out', p('crt')]);
  assert.equal(r.status, 0, r.stderr);
  const above = pems(join(storeDir, 'chain.pem')).slice(0, -1);
  writeFileSync(p('chain'), [readFileSync(p('crt'), 'utf8'), readFileSync(join(storeDir, 'ca.crt'), 'utf8'), ...above].join(''));
  return p('chain');
}

/**
 * Per-certificate verifiers against the root `root` (a CA certificate file); `work` is a directory
 * for NSS's database. Each takes { chain, client } and returns 'ok' or why it refused.
 */
export function singleVerifiers(root, work) {
  let nssReady = false;
  let nssCount = 0;
  return {
    openssl: (c) => {
      const r = run('openssl', ['verify', '-CAfile', root, '-untrusted', c.chain, c.chain]);
      return r.status === 0 ? 'ok' : (r.stdout + r.stderr).trim();
    },
    gnutls: (c) => {
      const r = run('certtool', ['--verify', '--load-ca-certificate', root, '--infile', c.chain]);
      return r.status === 0 ? 'ok' : /Chain verification output: (.*)/.exec(r.stdout)?.[1] ?? r.stdout + r.stderr;
    },
    nss: (c) => {
      // certutil -V (CERT_VerifyCertificateNow) in a database where the root alone is trusted (C: to
      // issue server certificates, T: client ones); usage V is a TLS server, C a TLS client.
      const db = `sql:${join(work, 'nssdb')}`;
      if (!nssReady) {
        mkdirSync(join(work, 'nssdb'));
        assert.equal(run('certutil', ['-N', '-d', db, '--empty-password']).status, 0);
        assert.equal(run('certutil', ['-A', '-d', db, '-n', 'root', '-t', 'CT,,', '-a', '-i', root]).status, 0);
        nssReady = true;
      }
      const nick = `cert-${++nssCount}`;
      pems(c.chain).forEach((pem, i) => {
        writeFileSync(`${c.chain}.${i}.pem`, pem);
        run('certutil', ['-A', '-d', db, '-n', i === 0 ? nick : `${nick}-ca-${i}`, '-t', ',,', '-a', '-i', `${c.chain}.${i}.pem`]);
      });
      const r = run('certutil', ['-V', '-d', db, '-n', nick, '-u', c.client ? 'C' : 'V']);
      return /certificate is valid/.test(r.stdout) ? 'ok' : (r.stdout + r.stderr).trim();
    },
  };
}

/** Go and Java start slowly: every chain in one run, "FILE: verdict" per line. */
function batch(cmd, args, root, certs, opts) {
  const r = run(cmd, [...args, root, ...certs.map((c) => c.chain)], { timeout: 180_000, ...opts });
  const verdicts = new Map(r.stdout.split('\n').map((line) => /^(.*?\.(?:crt|chain)): (.*)$/.exec(line)).filter(Boolean).map((m) => [m[1], m[2]]));
  assert.equal(verdicts.size, certs.length, `${cmd}: ${r.stdout}${r.stderr}`);
  return (c) => verdicts.get(c.chain);
}

/** Go's crypto/x509 and Java's PKIX over many chains at once; each returns a verdict function. */
export const batchVerifiers = {
  go: (root, certs, work) => {
    const cache = join(work, 'go');
    return batch('go', ['run', GO_CHECK], root, certs, { env: { ...process.env, GOCACHE: join(cache, 'cache'), GOPATH: join(cache, 'path'), GOFLAGS: '', GO111MODULE: 'on', GOPROXY: 'off' } });
  },
  java: (root, certs) => batch('java', [JAVA_CHECK], root, certs),
};
