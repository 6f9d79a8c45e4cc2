// Name constraints (SPEC "Hierarchy, constraints and pointers"): one root, one intermediate per
// cluster limited to its domain and address range. `ca` refuses to issue outside them; and a
// certificate forged outside them with the intermediate's own key (openssl x509 -req) is rejected
// by OpenSSL, GnuTLS and a Node (OpenSSL) TLS client, while one forged inside is accepted.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { ca, caOk, needs, run, treeDigest } from '../helpers/ca.js';

const skip = needs('openssl', 'openssl');
let dir;
const f = (name) => join(dir, name);

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'clusterca-nc-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  caOk(dir, ['init', '--store', 'root', '--key-type', 'ecdsa', '--path-length', '1', 'org-root']);
  caOk(dir, ['init', '--store', 'c1', '--parent', 'root', '--permit-domain', 'c1.example.com', '--permit-ip', '10.1.0.0/16', '--permit-ip', '127.0.0.0/8', 'c1-ca']);
  caOk(dir, ['init', '--store', 'flat', '--key-bits', '2048', '--permit-domain', 'flat.example.com', 'flat-root']);
  caOk(dir, ['export', '--store', 'c1', '--out', 'root.tar']);
  run('tar', ['xf', f('root.tar'), '-C', dir]); // ca.crt: the root
  writeFileSync(f('inter.crt'), readFileSync(join(dir, 'c1/ca.crt')));
});

/** A certificate made outside `ca`, with the CA key of `store`, for whatever names `san` gives. */
function forge(name, store, san, cn = 'forged') {
  run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${name}.key`), '-subj', `/CN=${cn}`, '-out', f(`${name}.csr`)]);
  writeFileSync(f(`${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n`);
  const r = run('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', join(dir, store, 'ca.crt'), '-CAkey', join(dir, store, 'ca.key'), '-set_serial', '0x4242', '-days', '30', '-extfile', f(`${name}.ext`), '-out', f(`${name}.crt`)]);
  assert.equal(r.status, 0, r.stderr);
  return f(`${name}.crt`);
}

test('the intermediate carries a critical nameConstraints extension with the permitted names', { skip }, () => {
  const text = run('openssl', ['x509', '-in', f('inter.crt'), '-noout', '-text']).stdout;
  // Every form constrained: each form's name that names nothing beside those given (.invalid, RFC
  // 6761; for addresses the limited broadcast address and a multicast address never assigned), and
  // URIs an excluded subtree for GnuTLS (see src/pki/constraint-extension.ts).
  assert.match(text, new RegExp([
    'X509v3 Name Constraints: critical', 'Permitted:', 'DNS:c1\\.example\\.com', 'DNS:invalid',
    'IP:10\\.1\\.0\\.0/255\\.255\\.0\\.0', 'IP:127\\.0\\.0\\.0/255\\.0\\.0\\.0', 'IP:255\\.255\\.255\\.255/255\\.255\\.255\\.255', 'IP:FF00:0:0:0:0:0:0:0/(FFFF:){7}FFFF',
    'URI:\\.invalid', 'email:\\.invalid', 'Excluded:', 'URI:none\\.invalid',
  ].join('\\n\\s+')));
});

test('ca refuses to issue a name outside the constraints, naming it; inside it issues', { skip }, () => {
  const cases = [
    [['new-cert', '--store', 'c1', '--domain', 'www.evil.com', 'x'], /DNS:www\.evil\.com is outside the names this CA may certify; this CA may certify only c1\.example\.com, 10\.1\.0\.0\/16, 127\.0\.0\.0\/8/],
    [['create-node-certificate', '--store', 'c1', '--domain', 'n1.c1.example.com', '--ip', '10.2.0.1'], /IP:10\.2\.0\.1 is outside the names this CA may certify/],
    [['create-node-certificate', '--store', 'c1', '--ip', '10.1.0.9'], /CN=node-[0-9a-f-]+ is outside the names this CA may certify; without a DNS SAN, verifiers hold the CN to the constraints/],
    [['new-cert', '--store', 'flat', '--domain', 'flat.example.com.evil.org', 'y'], /DNS:flat\.example\.com\.evil\.org is outside/],
  ];
  for (const [args, why] of cases) {
    const before = treeDigest(join(dir, args[2]));
    const r = ca(dir, args);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, why);
    assert.equal(treeDigest(join(dir, args[2])), before);
  }
  caOk(dir, ['create-node-certificate', '--store', 'c1', '--name', 'ok1', '--domain', 'ok1.c1.example.com', '--ip', '10.1.0.9', '--out', dir]);
  caOk(dir, ['create-api-certificate', '--store', 'c1', '--out', dir, 'alice']);
});

const verifyOpenssl = (cert, untrusted = f('inter.crt')) => run('openssl', ['verify', '-CAfile', f('ca.crt'), '-untrusted', untrusted, cert]);
const verifyGnutls = (cert, chain = [f('inter.crt')]) => {
  const file = `${cert}.chain.pem`;
  writeFileSync(file, [cert, ...chain].map((p) => readFileSync(p, 'utf8')).join(''));
  return run('certtool', ['--verify', '--load-ca-certificate', f('ca.crt'), '--infile', file]);
};

test('OpenSSL rejects certificates forged outside the constraints and accepts one inside', { skip }, () => {
  for (const [name, san] of [['evil-dns', 'DNS:login.bank.example'], ['evil-ip', 'IP:192.168.1.1'], ['evil-sub', 'DNS:c1.example.com.attacker.net']]) {
    const r = verifyOpenssl(forge(name, 'c1', san));
    assert.notEqual(r.status, 0, name);
    assert.match(r.stdout + r.stderr, /permitted subtree violation/, name);
  }
  assert.equal(verifyOpenssl(forge('good', 'c1', 'DNS:n9.c1.example.com,IP:10.1.2.3')).status, 0);
  // A constraint on a root is enforced as well.
  const flatRoot = join(dir, 'flat/ca.crt');
  const bad = run('openssl', ['verify', '-CAfile', flatRoot, forge('flat-evil', 'flat', 'DNS:www.example.org')]);
  assert.match(bad.stdout + bad.stderr, /permitted subtree violation/);
  assert.equal(run('openssl', ['verify', '-CAfile', flatRoot, forge('flat-good', 'flat', 'DNS:a.flat.example.com')]).status, 0);
});

test('GnuTLS rejects certificates forged outside the constraints and accepts one inside', { skip: skip || needs('certtool', 'gnutls-bin') }, () => {
  for (const name of ['evil-dns', 'evil-ip', 'evil-sub']) {
    const r = verifyGnutls(f(`${name}.crt`));
    assert.notEqual(r.status, 0, name);
    assert.match(r.stdout, /violates the signer's constraints/, name);
  }
  const good = verifyGnutls(f('good.crt'));
  assert.equal(good.status, 0, good.stdout);
  assert.match(good.stdout, /Chain verification output: Verified/);
});

test("a Node (OpenSSL) TLS client refuses a server whose forged certificate is outside the constraints", { skip }, async () => {
  const connect = (cert, key, servername) =>
    new Promise((resolve, reject) => {
      const chain = readFileSync(cert, 'utf8') + readFileSync(f('inter.crt'), 'utf8');
      const server = tls.createServer({ key: readFileSync(key), cert: chain }, (s) => s.end('hi'));
      const timer = setTimeout(() => reject(new Error('timed out')), 5000);
      server.listen(0, '127.0.0.1', () => {
        const socket = tls.connect({ host: '127.0.0.1', port: server.address().port, servername, ca: readFileSync(f('ca.crt')), checkServerIdentity: () => undefined });
        const done = (result) => {
          clearTimeout(timer);
          socket.destroy();
          server.close();
          resolve(result);
        };
        socket.on('secureConnect', () => done({ authorized: socket.authorized, error: socket.authorizationError }));
        socket.on('error', (err) => done({ authorized: false, error: err.code ?? err.message }));
      });
    });
  const evil = await connect(f('evil-dns.crt'), f('evil-dns.key'), 'login.bank.example');
  // The two differ only in their SANs. Node has no name for OpenSSL's X509_V_ERR_PERMITTED_VIOLATION
  // (47) and reports it as UNSPECIFIED.
  assert.equal(evil.authorized, false);
  assert.match(String(evil.error), /PERMITTED_VIOLATION|UNSPECIFIED/);
  const good = await connect(f('good.crt'), f('good.key'), 'n9.c1.example.com');
  assert.equal(good.authorized, true, String(good.error));
});

test('an intermediate is bounded by its parent: a wider constraint, a longer path or a root of path length 0 is refused', { skip }, () => {
  const cases = [
    [['init', '--store', 'c2', '--parent', 'c1', 'c2-ca'], /the CA of c1 allows no CA below it \(path length 0\)/, 1],
    [['init', '--store', 'c3', '--parent', 'root', '--path-length', '1', 'c3-ca'], /--path-length 1 is too long below a CA of path length 1; use at most 0/, 2],
    [['init', '--store', 'c4', '--parent', 'flat', 'c4-ca'], /the CA of flat allows no CA below it/, 1],
  ];
  for (const [args, why, status] of cases) {
    const r = ca(dir, args);
    assert.equal(r.status, status, r.stderr);
    assert.match(r.stderr, why);
  }
  caOk(dir, ['init', '--store', 'wide-root', '--key-bits', '2048', '--path-length', '2', '--permit-domain', 'example.com', 'wide']);
  const wider = ca(dir, ['init', '--store', 'c5', '--parent', 'wide-root', '--permit-domain', 'example.org', 'c5-ca']);
  assert.equal(wider.status, 2);
  assert.match(wider.stderr, /--permit-domain example\.org is outside the parent's name constraints; the parent may certify only example\.com/);
});
