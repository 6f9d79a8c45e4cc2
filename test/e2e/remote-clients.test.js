// The remote clients (`ca enroll`, `ca renew --server`, `ca export --server`) against a server that
// is not what it claims (SPEC "Third wave", the online CA): a spoofed server that answers with
// megabytes of PEM headers or garbage is dropped at the bound with one line, quickly; a chain that
// is not the pinned CA is refused before anything in it is parsed or anything is written. Against a
// real `ca serve`: enroll checks its outputs before it spends the token, and renew --server keeps
// each file's mode and owner. And no command makes a CN over 64 characters (RFC 5280).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CA_BIN, ca, caOk, needs, run, treeDigest } from '../helpers/ca.js';
import { startServe } from '../helpers/serve.js';

// A hang guard, not a speed benchmark: the unbounded, quadratic read took 17 s for 800 KB.
const HANG_GUARD_MS = 10_000;
const MiB = 1024 * 1024;

let dir;
const f = (...p) => join(dir, ...p);
const mode = (p) => statSync(p).mode & 0o777;

/** `ca ARGS` without blocking this process (the fake server runs here); killed after HANG_GUARD_MS. */
function caTimed(cwd, args) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CA_')));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CA_BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: HANG_GUARD_MS });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    child.on('close', (status, signal) => resolve({ status, signal, stderr }));
  });
}

/** Refused with exit 1, one line (error and hint), no stack trace, before the hang guard. */
function refused(r, pattern) {
  assert.equal(r.signal, null, `still running after ${HANG_GUARD_MS / 1000} s: ${r.stderr}`);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

/**
 * A spoofed `ca serve` on loopback with a certificate for 127.0.0.1 from another CA (the fake store).
 * `answers[path]` is a function (req, res); it records whether a client certificate came with /v1/ca.
 */
async function fakeServer(t, answers, tlsFrom = f('fake')) {
  const seen = { clientCertOnCa: undefined, authorization: undefined };
  const server = createServer({ key: readFileSync(join(tlsFrom, 'control-127.0.0.1.key')), cert: readFileSync(join(tlsFrom, 'control-127.0.0.1.crt')), requestCert: true, rejectUnauthorized: false }, (req, res) => {
    if (req.url === '/v1/ca') seen.clientCertOnCa = Object.keys(req.socket.getPeerCertificate()).length > 0;
    seen.authorization ??= req.headers.authorization;
    const answer = answers[req.url];
    if (!answer) return res.writeHead(404).end();
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  return { url: `https://127.0.0.1:${server.address().port}`, seen };
}

/** Writes `total` bytes of `unit` repeated, respecting back-pressure, then ends. */
function flood(res, type, unit, total) {
  res.writeHead(200, { 'content-type': type });
  const chunk = Buffer.from(unit.repeat(Math.ceil(65536 / unit.length)));
  let sent = 0;
  const more = () => {
    while (sent < total) {
      sent += chunk.length;
      if (!res.write(chunk)) return res.once('drain', more);
    }
    res.end();
  };
  res.on('error', () => undefined); // the client hangs up at its bound
  more();
}

const fakeChain = () => readFileSync(f('fake', '.ca', 'ca.crt'), 'utf8');
const fakeFingerprint = () => new X509Certificate(fakeChain()).fingerprint256;
const realFingerprint = () => new X509Certificate(readFileSync(f('real', '.ca', 'ca.crt'))).fingerprint256;
const pemHeaders = (res, bytes) => flood(res, 'application/x-pem-file', '-----BEGIN CERTIFICATE-----\n', bytes);
const sendChain = (_req, res) => res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(fakeChain());

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'clusterca-remote-'));
  for (const d of ['fake', 'real']) mkdirSync(f(d));
  caOk(f('fake'), ['init', '--key-type', 'ecdsa', 'fake-ca']);
  caOk(f('fake'), ['create-control-certificate', '127.0.0.1']);
  caOk(f('fake'), ['create-node-certificate', '--ip', '127.0.0.1', '--name', 'n1']);
  caOk(f('real'), ['init', '--key-type', 'ecdsa', 'real-ca']);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a spoofed server sending 1 MB of PEM headers as the CA chain: enroll and export --server stop at 64 KiB, one line, nothing written', async (t) => {
  const fake = await fakeServer(t, { '/v1/ca': (_req, res) => pemHeaders(res, MiB) });
  const enroll = await caTimed(dir, ['enroll', '--server', fake.url, '--fingerprint', realFingerprint(), '--token', 'abc.def', '--out', 'e1', 'node1']);
  refused(enroll, /answer of https:\/\/127\.0\.0\.1:\d+\/v1\/ca is too large \(over 64 KiB\)/);
  assert.ok(!existsSync(f('e1')));
  const exported = await caTimed(dir, ['export', '--server', fake.url, '--fingerprint', realFingerprint(), '--out', 'x1.pem']);
  refused(exported, /too large \(over 64 KiB\)/);
  assert.ok(!existsSync(f('x1.pem')));
});

test('a spoofed server sending several MB: the CA chain, an enrollment and a renewal answer stop at their bounds; the held files stay as they were', async (t) => {
  const garbage = (_req, res) => flood(res, 'application/json', 'A', 4 * MiB);
  const fake = await fakeServer(t, { '/v1/ca': garbage });
  refused(await caTimed(dir, ['export', '--server', fake.url, '--fingerprint', realFingerprint(), '--out', 'x2.pem']), /too large \(over 64 KiB\)/);
  assert.ok(!existsSync(f('x2.pem')));

  // A server of the pinned CA (it has its chain) whose answer to the request is huge.
  const answering = await fakeServer(t, { '/v1/ca': sendChain, '/v1/sign': garbage, '/v1/renew': garbage });
  const enroll = await caTimed(dir, ['enroll', '--server', answering.url, '--fingerprint', fakeFingerprint(), '--token', 'abc.def', '--out', 'e2', 'node2']);
  refused(enroll, /answer of https:\/\/127\.0\.0\.1:\d+\/v1\/sign is too large \(over 1 MiB\)/);
  assert.ok(!existsSync(f('e2')));

  const held = { crt: readFileSync(f('fake', 'n1.crt')), key: readFileSync(f('fake', 'n1.key')) };
  const renew = await caTimed(f('fake'), ['renew', '--server', answering.url, '--cert', 'n1.crt', '--key', 'n1.key']);
  refused(renew, /\/v1\/renew is too large \(over 1 MiB\)/);
  assert.deepEqual({ crt: readFileSync(f('fake', 'n1.crt')), key: readFileSync(f('fake', 'n1.key')) }, held);
  // The CA chain is public: it is fetched without showing the server our certificate.
  assert.equal(answering.seen.clientCertOnCa, false, 'no client certificate sent before the server is trusted');
});

test('a chain that is not the pinned CA is refused by its fingerprint before anything in it is parsed; nothing written', async (t) => {
  // A block that is not a certificate, then a CA that is not the pinned one.
  const broken = `-----BEGIN CERTIFICATE-----\nMIIBAAAAAAAAAAAA\n-----END CERTIFICATE-----\n${fakeChain()}`;
  const fake = await fakeServer(t, { '/v1/ca': (_req, res) => res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(broken) });
  const enroll = await caTimed(dir, ['enroll', '--server', fake.url, '--fingerprint', realFingerprint(), '--token', 'abc.def', '--out', 'e3', 'node3']);
  refused(enroll, /is not the one whose fingerprint was given/);
  assert.ok(!existsSync(f('e3')));
  refused(await caTimed(dir, ['export', '--server', fake.url, '--fingerprint', realFingerprint(), '--out', 'x3.pem']), /fingerprint/);
  assert.ok(!existsSync(f('x3.pem')));
});

test('an intermediate pinned by its fingerprint: a server certified by a sibling intermediate of the same root never gets the token', async (t) => {
  // One root, two intermediates (two clusters). The spoofed server shows cluster X's chain, which is
  // public, and a TLS certificate from Y: it chains to the root, but not through the CA pinned.
  const h = f('hierarchy');
  mkdirSync(h);
  caOk(h, ['init', '--store', 'root', '--key-type', 'ecdsa', '--path-length', '1', 'org-root']);
  for (const c of ['x', 'y']) caOk(h, ['init', '--store', c, '--parent', 'root', `cluster-${c}`]);
  caOk(h, ['create-control-certificate', '--store', 'y', '--out', 'y-server', '127.0.0.1']);
  const chainX = readFileSync(join(h, 'x', 'ca.crt'), 'utf8') + readFileSync(join(h, 'root', 'ca.crt'), 'utf8');
  const fake = await fakeServer(t, {
    '/v1/ca': (_req, res) => res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(chainX),
    '/v1/sign': (_req, res) => res.writeHead(500).end(),
  }, join(h, 'y-server'));
  const pinned = new X509Certificate(readFileSync(join(h, 'x', 'ca.crt'))).fingerprint256;
  const r = await caTimed(h, ['enroll', '--server', fake.url, '--fingerprint', pinned, '--token', 'abc.secret', '--out', 'e4', 'node4']);
  refused(r, /presented a certificate that was not issued under the pinned CA/);
  assert.equal(fake.seen.authorization, undefined, 'the token was never sent');
  assert.ok(!existsSync(join(h, 'e4')));
});

test('a server that trickles its answer a byte at a time is given up at the deadline on the whole exchange, not only an idle one', async (t) => {
  // The client's own module, with a 1 s deadline for the test (30 s in the commands): a socket's
  // idle timeout never fires while a byte arrives every 100 ms.
  const { call } = await import('../../dist/cli/http-client.js');
  const fake = await fakeServer(t, {
    '/v1/ca': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' });
      let n = 0;
      const timer = setInterval(() => (++n > 50 ? (clearInterval(timer), res.end()) : res.write('-')), 100);
      res.on('close', () => clearInterval(timer));
    },
  });
  // Before the server's 5 s answer is over: the old idle timeout let it finish and took the answer.
  await assert.rejects(call(new URL(fake.url), '/v1/ca', { timeoutMs: 1000 }), /did not answer in time \(1 s\)/);
});

test('ca enroll checks --out before it spends the token: files already there, --out a file; ca.crt of the same CA is kept', async () => {
  const real = f('real');
  caOk(real, ['create-api-certificate', '--admin', 'ops']);
  const server = await startServe(real);
  try {
    const token = (name) => caOk(real, ['token', 'create', '--profile', 'peer', '--name', name, '--ip', '127.0.0.1']).out.trim();
    const used = () => Object.fromEntries(JSON.parse(caOk(real, ['token', 'list', '--json']).out).map((t) => [t.name, t.used]));
    const enroll = (tok, out, name, ...extra) => ca(real, ['enroll', '--server', server.url, '--fingerprint', server.fingerprint, '--token', tok, '--out', out, name, ...extra]);

    mkdirSync(join(real, 'out'));
    writeFileSync(join(real, 'out', 'etcd1.crt'), 'the service still uses this\n');
    const t1 = token('etcd1');
    const r1 = enroll(t1, 'out', 'etcd1');
    assert.equal(used().etcd1, 0, 'the token is still unused');
    assert.equal(r1.status, 1, r1.stderr);
    assert.match(r1.stderr, /out\/etcd1\.crt already exists; pass --force to replace it \(the token was not used\)/);
    assert.deepEqual(readdirSync(join(real, 'out')), ['etcd1.crt']);
    assert.equal(readFileSync(join(real, 'out', 'etcd1.crt'), 'utf8'), 'the service still uses this\n');

    writeFileSync(join(real, 'not-a-dir'), '');
    const t2 = token('etcd2');
    const r2 = enroll(t2, 'not-a-dir', 'etcd2');
    assert.equal(r2.status, 2, r2.stderr);
    assert.match(r2.stderr, /--out not-a-dir is not a directory/);
    assert.equal(used().etcd2, 0);

    // The same token, now with --force; then a second node into the same directory: its ca.crt
    // holds the pinned CA already, so it is left as it is, without --force.
    caOk(real, ['enroll', '--force', '--server', server.url, '--fingerprint', server.fingerprint, '--token', t1, '--out', 'out', 'etcd1']);
    caOk(real, ['enroll', '--server', server.url, '--fingerprint', server.fingerprint, '--token', t2, '--out', 'out', 'etcd2']);
    assert.deepEqual(readdirSync(join(real, 'out')).sort(), ['ca.crt', 'etcd1.crt', 'etcd1.key', 'etcd2.crt', 'etcd2.key']);
    assert.equal(used().etcd1, 1);
    assert.equal(used().etcd2, 1);
    // A ca.crt of something else is still not replaced without --force, and the token not spent.
    writeFileSync(join(real, 'out', 'ca.crt'), 'another CA\n');
    const t3 = token('etcd3');
    const r3 = enroll(t3, 'out', 'etcd3');
    assert.equal(r3.status, 1, r3.stderr);
    assert.match(r3.stderr, /ca\.crt already exists/);
    assert.equal(used().etcd3, 0);
  } finally {
    await server.stop();
  }
});

/** A node's certificate and key from a real `ca serve`, in DIR/held-NAME. */
async function enrolled(name, run) {
  const real = f('real');
  const server = await startServe(real);
  try {
    const tok = caOk(real, ['token', 'create', '--profile', 'peer', '--name', name, '--ip', '127.0.0.1']).out.trim();
    caOk(real, ['enroll', '--server', server.url, '--fingerprint', server.fingerprint, '--token', tok, '--out', `held-${name}`, name]);
    const crt = join(real, `held-${name}`, `${name}.crt`);
    const key = join(real, `held-${name}`, `${name}.key`);
    await run({ crt, key, renew: (...extra) => caOk(real, ['renew', '--server', server.url, '--cert', crt, '--key', key, ...extra]) });
  } finally {
    await server.stop();
  }
}

test("ca renew --server keeps each file's mode: a 0640 certificate, a 0400 key, with the same key or a new one", async () => {
  await enrolled('modes', async ({ crt, key, renew }) => {
    chmodSync(crt, 0o640);
    chmodSync(key, 0o400);
    const before = readFileSync(crt, 'utf8');
    renew();
    assert.notEqual(readFileSync(crt, 'utf8'), before, 'renewed');
    assert.equal(mode(crt).toString(8), '640');
    assert.equal(mode(key).toString(8), '400');
    renew('--new-key');
    assert.equal(mode(crt).toString(8), '640');
    assert.equal(mode(key).toString(8), '400', "the new key takes the old one's mode");
  });
});

test("ca renew --server run by root keeps each file's owner and group (a service's nobody:nogroup)", { skip: process.getuid?.() === 0 ? false : 'needs root, to chown the files to nobody:nogroup' }, async () => {
  await enrolled('owners', async ({ crt, key, renew }) => {
    chmodSync(crt, 0o640);
    for (const p of [crt, key]) chownSync(p, 65534, 65534);
    renew('--new-key');
    for (const p of [crt, key]) assert.deepEqual([statSync(p).uid, statSync(p).gid], [65534, 65534], `${p} keeps its owner`);
    assert.equal(mode(crt).toString(8), '640');
    assert.equal(mode(key).toString(8), '600');
  });
});

test('no CN over 64 characters: create-api-certificate refuses a USER whose CN would be longer, names the limit, leaves the store as it was', { skip: needs('openssl', 'openssl') }, () => {
  const real = f('real');
  const store = treeDigest(join(real, '.ca'));
  for (const [args, cn, most] of [
    [['a'.repeat(60)], 65, 59],
    [['--admin', 'b'.repeat(59)], 65, 58],
  ]) {
    const r = ca(real, ['create-api-certificate', ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`would be ${cn} characters; RFC 5280 allows 64; use a USER of at most ${most} characters`));
    assert.equal(treeDigest(join(real, '.ca')), store, 'the store is untouched');
    assert.ok(!existsSync(join(real, `${args.at(-1)}.crt`)) && !existsSync(join(real, `${args.at(-1)}.key`)));
  }
  for (const [args, prefix] of [
    [['c'.repeat(59)], 'user-'],
    [['--admin', 'd'.repeat(58)], 'admin-'],
  ]) {
    caOk(real, ['create-api-certificate', ...args]);
    const subject = run('openssl', ['x509', '-noout', '-subject', '-nameopt', 'sep_multiline', '-in', join(real, `${args.at(-1)}.crt`)]).stdout;
    const cn = /CN=(.*)/.exec(subject)[1];
    assert.equal(cn, `${prefix}${args.at(-1)}`);
    assert.equal(cn.length, 64);
  }
});

test('no CN over 64 characters: new-cert takes as CN the first domain that fits, else the first IP, else NAME', { skip: needs('openssl', 'openssl') }, () => {
  const real = f('real');
  const label = 'l'.repeat(63);
  const long = `${label}.${label}.${label}.example.com`; // 203 characters: a valid DNS name
  const cases = [
    ['long1', ['--domain', long], 'long1'],
    ['long2', ['--domain', long, '--domain', 'short.example.com'], 'short.example.com'],
    ['long3', ['--domain', long, '--ip', '10.0.0.1'], '10.0.0.1'],
  ];
  for (const [name, args, cn] of cases) {
    caOk(real, ['new-cert', ...args, name]);
    caOk(real, ['sign', name]);
    const subject = run('openssl', ['x509', '-noout', '-subject', '-nameopt', 'sep_multiline', '-in', join(real, '.ca', 'certs', `${name}.crt`)]).stdout;
    assert.equal(/CN=(.*)/.exec(subject)[1], cn);
  }
});
