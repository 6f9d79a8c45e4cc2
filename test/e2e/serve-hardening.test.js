// `ca serve` defending itself (SPEC "Third wave", the online CA), each test the attack itself: a
// flood of bad tokens from one client is rate-limited by its address and leaves a few log lines and
// a summary; made-up token ids share one budget; a revoked certificate cannot spend the store's
// time unlimited; request text never reaches the audit log; `--log` is 0600 and never a link or
// another user's file; SIGTERM under keep-alive load issues nothing new and exits 0 within
// `--shutdown-timeout`. Servers on loopback only, every loop bounded.
import { test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { caOk, mode, run, tempDir } from '../helpers/ca.js';
import { craftRequest, pemRequest } from '../helpers/csr.js';
import { startServe } from '../helpers/serve.js';

const CSR = pemRequest(craftRequest({ key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, algorithm: 'ec256' }));

function setup(t) {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', 'hardening-ca']);
  caOk(dir, ['create-api-certificate', '--admin', 'ops']);
  caOk(dir, ['export', '--out', 'ca.tar']);
  run('tar', ['xf', 'ca.tar'], { cwd: dir });
  return dir;
}

/** One request; `from` picks the client address (any 127/8 address is this machine). */
function post(server, dir, path, { who, from = '127.0.0.1', headers = {}, body = '', agent } = {}) {
  const cert = who ? { cert: readFileSync(join(dir, `${who}.crt`)), key: readFileSync(join(dir, `${who}.key`)) } : {};
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      { method: 'POST', ca: readFileSync(join(dir, 'ca.crt')), ...cert, localAddress: from, agent, headers: { 'content-length': Buffer.byteLength(body), ...headers }, timeout: 15_000 },
      (res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** What a bucket of `perMinute` can have allowed since `started`: all of it, and its refill. */
const budget = (perMinute, started) => perMinute + Math.ceil(((Date.now() - started) / 60_000) * perMinute);

const bearer = (token) => ({ 'content-type': 'application/pkcs10', authorization: `Bearer ${token}` });
const logLines = (file) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

test('a flood of bad tokens from one address: 429 after --rate-limit, the log a few lines and one summary, another address not held up', { timeout: 60_000 }, async (t) => {
  const dir = setup(t);
  const log = join(dir, 'audit.jsonl');
  const server = await startServe(dir, ['--rate-limit', '20', '--log', log]);
  t.after(() => server.stop());
  const statuses = [];
  const started = Date.now();
  for (let i = 0; i < 150; i++) statuses.push((await post(server, dir, '/v1/sign', { from: '127.0.0.2', headers: bearer('garbage'), body: CSR })).status);
  const unauthenticated = statuses.filter((s) => s === 401).length;
  assert.ok(unauthenticated >= 1 && unauthenticated <= budget(20, started), `${unauthenticated} answers 401 before the limit`);
  assert.equal(statuses.filter((s) => s === 429).length, 150 - unauthenticated, 'every other answer is 429');
  const limited = await post(server, dir, '/v1/sign', { from: '127.0.0.2', headers: bearer('garbage'), body: CSR });
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  // An administrator on another address signs on.
  const ok = await post(server, dir, '/v1/sign', { who: 'ops', headers: { 'content-type': 'application/pkcs10' }, body: CSR });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(await server.stop(), { code: 0, signal: null });

  const lines = logLines(log);
  const refused = lines.filter((l) => l.event === 'refused' && l.client === '127.0.0.2');
  assert.ok(refused.length >= 1 && refused.length <= 10, `${refused.length} refusal lines for 151 refusals`);
  const summaries = lines.filter((l) => l.event === 'refused-summary');
  assert.equal(summaries.length, 1, JSON.stringify(summaries));
  assert.equal(summaries[0].client, '127.0.0.2');
  assert.equal(summaries[0].notLogged + refused.length, 151, 'the summary counts every refusal without a line');
  assert.ok(lines.some((l) => l.event === 'sign' && l.outcome === 'issued' && l.client === '127.0.0.1'));
  assert.ok(lines.length <= 15, `${lines.length} lines in all`);
});

test('made-up token ids share one budget: a fresh id per request gets 429 like any other', { timeout: 60_000 }, async (t) => {
  const dir = setup(t);
  const server = await startServe(dir, ['--rate-limit', '20']);
  t.after(() => server.stop());
  const statuses = [];
  const started = Date.now();
  for (let i = 0; i < 60; i++) statuses.push((await post(server, dir, '/v1/sign', { headers: bearer(`${randomBytes(6).toString('hex')}.x`), body: CSR })).status);
  const unauthenticated = statuses.filter((s) => s === 401).length;
  assert.ok(unauthenticated <= budget(20, started), `${unauthenticated} of 60 made-up tokens were looked at`);
  assert.equal(statuses.filter((s) => s === 429).length, 60 - unauthenticated, 'the others are 429');
});

test('a revoked certificate is rate-limited by its address before the store is read', { timeout: 60_000 }, async (t) => {
  const dir = setup(t);
  caOk(dir, ['create-api-certificate', '--admin', 'gone']);
  caOk(dir, ['revoke', 'gone']);
  const server = await startServe(dir, ['--rate-limit', '5']);
  t.after(() => server.stop());
  const statuses = [];
  const started = Date.now();
  for (let i = 0; i < 40; i++) statuses.push((await post(server, dir, '/v1/sign', { who: 'gone', headers: { 'content-type': 'application/pkcs10' }, body: CSR })).status);
  // The address allows 4 times --rate-limit in all; the rest are not looked up.
  const looked = statuses.filter((s) => s === 401).length;
  assert.ok(looked >= 1 && looked <= budget(4 * 5, started), `${looked} of 40 were looked up in the store`);
  assert.equal(statuses.filter((s) => s === 429).length, 40 - looked, 'the others are 429');
});

test('the audit log never holds text from a request: names, profiles, SANs and broken JSON that carried a marker', { timeout: 60_000 }, async (t) => {
  const dir = setup(t);
  const log = join(dir, 'audit.jsonl');
  const token = caOk(dir, ['token', 'create', '--profile', 'node', '--name', 'n1', '--ip', '10.0.0.1']).out.trim();
  const server = await startServe(dir, ['--log', log]);
  t.after(() => server.stop());
  const marker = `EVIL-MARKER-${randomBytes(4).toString('hex')}`;
  const json = { 'content-type': 'application/json' };
  const evilSan = pemRequest(craftRequest({ key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, algorithm: 'ec256', sans: [[2, `${marker}.*.example.com`]] }));
  const attempts = [
    { who: 'ops', headers: json, body: `{"csr": ${marker}}` },
    { who: 'ops', headers: json, body: JSON.stringify({ csr: CSR, profile: marker }) },
    { who: 'ops', headers: { 'content-type': 'application/pkcs10' }, body: evilSan },
    { headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify({ csr: CSR, profile: marker }) },
    { headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify({ csr: CSR, name: marker }) },
  ];
  for (const a of attempts) {
    const r = await post(server, dir, '/v1/sign', a);
    assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text}`);
  }
  assert.deepEqual(await server.stop(), { code: 0, signal: null });
  const text = readFileSync(log, 'utf8');
  const refused = logLines(log).filter((l) => l.event === 'refused');
  assert.equal(refused.length, attempts.length, 'each refusal has its line');
  assert.ok(!text.includes(marker), `the request's text is in the log:\n${text}`);
  for (const l of refused) assert.match(l.code, /^[a-z-]+$/, 'the error code, a word of the server');
});

test('--log: an existing 0666 file is made 0600; a symbolic link and another user’s file are refused at start', { timeout: 60_000 }, async (t) => {
  const dir = setup(t);
  const loose = join(dir, 'loose.jsonl');
  writeFileSync(loose, '');
  chmodSync(loose, 0o666);
  const server = await startServe(dir, ['--log', loose]);
  assert.equal(mode(loose), 0o600);
  await server.stop();
  assert.equal(mode(loose), 0o600);
  assert.match(readFileSync(loose, 'utf8'), /"event":"start"/);

  /** The start is refused: exit 1 and one line saying why; never served. */
  const refusedStart = async (file, why) => {
    const outcome = await startServe(dir, ['--log', file]).then(
      async (s) => {
        await s.stop();
        return 'served';
      },
      (err) => err.message,
    );
    assert.match(outcome, /^ca serve exited 1:\n/);
    const stderr = outcome.replace(/^ca serve exited 1:\n/, '').trim();
    assert.equal(stderr.split('\n').length, 1, stderr);
    assert.match(stderr, why);
  };
  const target = join(dir, 'target.jsonl');
  writeFileSync(target, 'theirs\n');
  symlinkSync(target, join(dir, 'link.jsonl'));
  await refusedStart(join(dir, 'link.jsonl'), /^error: failed to serve the CA: --log .*link\.jsonl is a symbolic link/);
  assert.equal(readFileSync(target, 'utf8'), 'theirs\n');
  symlinkSync(join(dir, 'absent.jsonl'), join(dir, 'dangling.jsonl'));
  await refusedStart(join(dir, 'dangling.jsonl'), /is a symbolic link/);
  assert.equal(existsSync(join(dir, 'absent.jsonl')), false, 'nothing made through a dangling link');

  if (process.getuid?.() !== 0) {
    t.diagnostic('another user’s file: skipped, making a file of another user needs root (chown)');
    return;
  }
  const foreign = join(dir, 'foreign.jsonl');
  writeFileSync(foreign, '');
  chownSync(foreign, 65534, 65534); // nobody
  await refusedStart(foreign, /--log .*foreign\.jsonl belongs to another user \(uid 65534\)/);
  assert.equal(readFileSync(foreign, 'utf8'), '');
});

/**
 * `width` clients, each on one keep-alive connection, signing as fast as they are answered until
 * an answer is not 200 or the connection is gone. `onOk` sees each certificate as it comes.
 */
function hammer(server, dir, width, onOk, over) {
  const answers = [];
  let sent = 0;
  const client = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 2000 && !over(); i++) {
        let r;
        try {
          const body = JSON.stringify({ csr: CSR, name: `kept-${sent++}` });
          r = await post(server, dir, '/v1/sign', { who: 'ops', agent, headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
        } catch (err) {
          answers.push({ error: err.code ?? err.message });
          return;
        }
        answers.push(r);
        if (r.status !== 200) return;
        onOk(r);
      }
    } finally {
      agent.destroy();
    }
  };
  return { answers, done: Promise.all(Array.from({ length: width }, client)) };
}

test('SIGTERM under keep-alive load: no certificate started after it, 503 with Connection: close, exit 0 within --shutdown-timeout', { timeout: 60_000 }, async (t) => {
  const dir = setup(t);
  const server = await startServe(dir, ['--shutdown-timeout', '3']);
  const width = 6;
  let signalled = false;
  let stoppingSeen;
  let okBefore = 0;
  let okAfter = 0;
  // The server prints this line after it has stopped admitting requests: an answer a client gets
  // after it was read came from a request the server already had.
  server.child.stderr.on('data', (d) => {
    if (stoppingSeen === undefined && /Stopping/.test(d)) stoppingSeen = Date.now();
  });
  const load = hammer(server, dir, width, () => {
    if (stoppingSeen !== undefined) okAfter += 1;
    else okBefore += 1;
    if (!signalled && okBefore >= 60) {
      signalled = true;
      server.child.kill('SIGTERM');
    }
  }, () => stoppingSeen !== undefined && Date.now() - stoppingSeen > 8000);
  const exit = await server.exited;
  const exitedAt = Date.now();
  await load.done;
  assert.ok(signalled && stoppingSeen !== undefined, 'the signal was sent and seen');
  assert.deepEqual([exit.code, exit.signal], [0, null]);
  assert.ok(exitedAt - stoppingSeen < 3000 + 4000, `exited ${exitedAt - stoppingSeen} ms after the signal, over --shutdown-timeout 3`);
  assert.ok(okAfter <= width, `${okAfter} certificates answered after the signal, from ${width} connections`);
  const issued = JSON.parse(caOk(dir, ['list', '--json']).out).filter((e) => e.profile === 'peer');
  assert.ok(issued.length - okBefore <= width, `${issued.length - okBefore} certificates issued after the signal, from ${width} connections`);
  const served = new Set(load.answers.filter((a) => a.status === 200).map((a) => JSON.parse(a.text).serial));
  for (const s of served) assert.ok(issued.some((e) => e.serial === s), `${s} was answered and is in the index`);
  for (const a of load.answers.filter((x) => x.status !== undefined && x.status !== 200)) {
    assert.equal(a.status, 503, a.text);
    assert.equal(a.headers.connection, 'close');
  }
});

test('SIGTERM with a request that never ends: the connection is cut at --shutdown-timeout and the exit is 0', { timeout: 60_000 }, async (t) => {
  const dir = setup(t);
  const server = await startServe(dir, ['--shutdown-timeout', '3', '--timeout', '60']);
  const body = JSON.stringify({ csr: CSR });
  const stuck = new Promise((resolve) => {
    const req = request(`${server.url}/v1/sign`, {
      method: 'POST',
      ca: readFileSync(join(dir, 'ca.crt')),
      cert: readFileSync(join(dir, 'ops.crt')),
      key: readFileSync(join(dir, 'ops.key')),
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => resolve(`answered ${res.statusCode}`));
    req.on('error', (err) => resolve(err.code ?? err.message));
    req.write(body.slice(0, 50)); // the rest never comes
    req.on('socket', (s) => s.on('secureConnect', () => setTimeout(() => server.child.kill('SIGTERM'), 300)));
  });
  const started = Date.now();
  const exit = await server.exited;
  assert.deepEqual([exit.code, exit.signal], [0, null]);
  assert.ok(Date.now() - started < 3000 + 5000, `exited ${Date.now() - started} ms after the signal, over --shutdown-timeout 3 (--timeout 60)`);
  assert.match(await stuck, /ECONNRESET|socket hang up|answered 503/);
});

/** Raw HTTP/1.1 over one TLS connection: `requests` written at once (pipelined); resolves with all that came back. */
function raw(server, dir, requests, { who, wait = 3000, onOpen } = {}) {
  // Ends when the server closes the connection, or after `wait`.
  const { port } = new URL(server.url);
  const cert = who ? { cert: readFileSync(join(dir, `${who}.crt`)), key: readFileSync(join(dir, `${who}.key`)) } : {};
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: Number(port), ca: readFileSync(join(dir, 'ca.crt')), servername: 'localhost', checkServerIdentity: () => undefined, ...cert }, () => {
      socket.write(requests.join(''));
      onOpen?.();
    });
    let text = '';
    socket.on('data', (d) => (text += d));
    const done = () => resolve({ text, closed: socket.destroyed });
    socket.on('close', done);
    socket.on('error', done);
    setTimeout(() => {
      socket.destroy();
      done();
    }, wait).unref();
  });
}

test('a request target that is not a path is answered 400, rate-limited and logged within the bound like any refusal', { timeout: 60_000 }, async (t) => {
  const dir = setup(t);
  const log = join(dir, 'audit.jsonl');
  const server = await startServe(dir, ['--log', log, '--rate-limit', '20']);
  t.after(() => server.stop());
  // `//` once made URL parsing throw before any check: no answer, a connection held open for
  // good, and one log line each. An absolute target was routed by the path after its host.
  const targets = ['//', 'https://evil.example/v1/versions', '//x/v1/versions'];
  const statuses = [];
  const started = Date.now();
  for (let batch = 0; batch < 12; batch++) {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => raw(server, dir, [`GET ${targets[(batch + i) % 3]} HTTP/1.1\r\nHost: x\r\n\r\n`])));
    for (const a of answers) {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(a.text);
      assert.ok(m, 'every one is answered');
      statuses.push(Number(m[1]));
    }
  }
  assert.deepEqual([...new Set(statuses)].sort(), [400, 429]);
  assert.ok(statuses.filter((s) => s === 400).length <= budget(4 * 20, started), 'the address budget holds');
  await server.stop();
  const lines = logLines(log).filter((l) => l.event !== 'start' && l.event !== 'stop');
  assert.ok(lines.length <= 11, `${lines.length} lines for 120 bad requests`);
  assert.ok(!readFileSync(log, 'utf8').includes('evil.example'));
});

test('SIGTERM with signs pipelined on one connection: none is issued unanswered', { timeout: 60_000 }, async (t) => {
  const dir = setup(t);
  const server = await startServe(dir, ['--shutdown-timeout', '3', '--rate-limit', '100000']);
  const sign = `POST /v1/sign HTTP/1.1\r\nHost: x\r\nContent-Type: application/pkcs10\r\nAccept: application/json\r\nContent-Length: ${Buffer.byteLength(CSR)}\r\n\r\n${CSR}`;
  const before = JSON.parse(caOk(dir, ['list', '--json']).out).length;
  const answered = raw(server, dir, Array.from({ length: 50 }, () => sign), { who: 'ops', wait: 10_000, onOpen: () => setTimeout(() => server.child.kill('SIGTERM'), 150) });
  const exit = await server.exited;
  const r = await answered;
  assert.deepEqual([exit.code, exit.signal], [0, null]);
  const ok = [...r.text.matchAll(/^HTTP\/1\.1 200/gm)].length;
  const issued = JSON.parse(caOk(dir, ['list', '--json']).out).length - before;
  // Every certificate issued was answered: the requests under way (pipelined before the signal)
  // are all answered, the last of them with Connection: close.
  assert.equal(issued, ok, `${issued} issued, ${ok} answered`);
});
