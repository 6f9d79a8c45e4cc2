// `ca serve` against `cfssl serve`, both over TLS, both driven by wrk at 16 connections with the
// same CA key type and the same CSR; then the cost of issuance #100,000 against #1, and a store of
// a million certificates against an empty one. Part of `npm run bench` (run.js), not a test:
// nothing here asserts a time.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { filledStore } from './fill-store.js';

const CONNECTIONS = 16;

// One POST /v1/sign per request, each under its own name (a token without a name takes the one
// asked): the run's number, the thread's, the request's.
const CA_LUA = `
local counter, threads = 0, 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args) csr = args[1]; token = args[2]; run = args[3] end
function request()
  counter = counter + 1
  local body = string.format('{"csr":"%s","name":"w%s-%d-%d"}', csr, run, tid, counter)
  return wrk.format("POST", "/v1/sign", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end
`;
// cfssl's sign endpoint with the same request: nothing differs from one request to the next.
const CFSSL_LUA = `
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = string.format('{"certificate_request":"%s","profile":"client"}', args[1])
end
`;

const UNIT = { us: 1e-3, ms: 1, s: 1000 };

/** wrk's summary: requests/s, p50 and p99 in ms, requests completed, non-2xx answers. */
function wrk(url, script, args, seconds, cwd) {
  const r = spawnSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, url, '--', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const ms = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(r.stdout);
    return m ? Number(m[1]) * UNIT[m[2]] : NaN;
  };
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)[1]),
    p50: ms(50),
    p99: ms(99),
    requests: Number(/(\d+) requests in/.exec(r.stdout)[1]),
    failed: Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0),
  };
}

/**
 * Starts a server; resolves once `ready()` says it answers. Its stderr goes to a file: wrk runs
 * synchronously, and a pipe nobody drains would stall a server that logs each request (cfssl does).
 */
export async function start(cmd, args, cwd, ready, env = {}) {
  const errFile = join(cwd, `${cmd.split('/').pop()}.stderr`);
  const fd = openSync(errFile, 'w');
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', fd] });
  closeSync(fd);
  for (let i = 0; i < 100; i++) {
    if (ready()) return child;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${cmd} did not start: ${readFileSync(errFile, 'utf8').slice(-2000)}`);
}

export async function stop(child) {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Peak resident set size (VmHWM) of a running process, MiB. */
const peakMib = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
export const answers = (url, extra = []) => spawnSync('curl', ['-sk', '--max-time', '2', ...extra, url], { encoding: 'utf8' }).status === 0;
const pemForJson = (pem) => pem.trim().split('\n').join('\\n');

export async function benchServe({ work, ca, caBin, sh, have }) {
  if (!have('wrk') || !have('cfssl') || !have('cfssljson') || !have('curl')) {
    process.stdout.write('\nca serve vs cfssl serve: skipped (needs wrk, cfssl, cfssljson and curl: Debian wrk, golang-cfssl, curl)\n');
    return undefined;
  }
  const dir = join(work, 'serve');
  mkdirSync(dir);
  writeFileSync(join(dir, 'ca.lua'), CA_LUA);
  writeFileSync(join(dir, 'cfssl.lua'), CFSSL_LUA);
  const seconds = Number(process.env.BENCH_SERVE_SECONDS ?? 10);
  const kinds = [
    { label: 'RSA 2048', caFlags: '--key-bits 2048', cfsslKey: { algo: 'rsa', size: 2048 }, req: 'rsa:2048' },
    { label: 'ECDSA P-256', caFlags: '--key-type ecdsa', cfsslKey: { algo: 'ecdsa', size: 256 }, req: 'ec -pkeyopt ec_paramgen_curve:P-256' },
  ];
  const rows = [];
  // Below the ephemeral range (32768-60999 on Linux), so no outgoing connection holds a port first.
  let port = 21000;
  for (const k of kinds) {
    const d = join(dir, k.label.replace(/\W+/g, '-'));
    mkdirSync(d);
    sh(`openssl req -new -newkey ${k.req} -nodes -keyout user.key -subj /CN=user -out user.csr 2>/dev/null`, d);
    const csr = pemForJson(readFileSync(join(d, 'user.csr'), 'utf8'));

    // clusterca: a store, a token good for every request of the run, the server over it.
    sh(`${ca} init -q ${k.caFlags} bench 2>/dev/null`, d);
    const token = spawnSync('sh', ['-c', `${ca} token create -q --profile client --uses 10000 --ttl 1d`], { cwd: d, encoding: 'utf8' }).stdout.trim();
    const caUrl = `https://127.0.0.1:${++port}`;
    const caServer = await start(process.execPath, [caBin, 'serve', '--listen', caUrl.slice(8), '--rate-limit', '1000000', '--log', 'audit.jsonl'], d, () => answers(`${caUrl}/v1/health`));
    const ours = wrk(caUrl, join(dir, 'ca.lua'), [csr, token, '0'], seconds, d);
    ours.rss = peakMib(caServer.pid);
    await stop(caServer);
    const recorded = JSON.parse(spawnSync('sh', ['-c', `${ca} list --json`], { cwd: d, encoding: 'utf8', maxBuffer: 1 << 28 }).stdout).length;
    ours.recorded = recorded - 2; // the CA and its own server certificate

    // cfssl: the same key type, the same request, a TLS certificate of its own; no database.
    mkdirSync(join(d, 'cfssl'));
    const c = join(d, 'cfssl');
    writeFileSync(join(c, 'ca-csr.json'), JSON.stringify({ CN: 'bench', key: k.cfsslKey }));
    writeFileSync(join(c, 'config.json'), JSON.stringify({ signing: { default: { usages: ['signing', 'key encipherment', 'client auth'], expiry: '19800h' }, profiles: { client: { usages: ['signing', 'key encipherment', 'client auth'], expiry: '19800h' } } } }));
    sh('cfssl gencert -initca ca-csr.json 2>/dev/null | cfssljson -bare ca', c);
    sh(`openssl req -x509 -newkey ${k.req} -nodes -keyout tls.key -out tls.crt -subj /CN=127.0.0.1 -days 2 2>/dev/null`, c);
    const cfPort = ++port;
    const cfUrl = `https://127.0.0.1:${cfPort}`;
    const cfssl = await start('cfssl', ['serve', '-address', '127.0.0.1', '-port', String(cfPort), '-ca', 'ca.pem', '-ca-key', 'ca-key.pem', '-config', 'config.json', '-tls-cert', 'tls.crt', '-tls-key', 'tls.key'], c, () => answers(`${cfUrl}/api/v1/cfssl/info`, ['-d', '{}']));
    const theirs = wrk(`${cfUrl}/api/v1/cfssl/sign`, join(dir, 'cfssl.lua'), [csr], seconds, c);
    theirs.rss = peakMib(cfssl.pid);
    await stop(cfssl);
    const theirsDb = have('sqlite3') ? await cfsslWithCertdb({ dir: c, cfssl: ['-ca', 'ca.pem', '-ca-key', 'ca-key.pem', '-config', 'config.json', '-tls-cert', 'tls.crt', '-tls-key', 'tls.key'], port: ++port, csr, seconds, script: join(dir, 'cfssl.lua') }) : undefined;
    for (const [who, r] of [['ca serve', ours], ['cfssl serve', theirs], ['cfssl serve + certdb', theirsDb]]) {
      if (!r) continue;
      process.stdout.write(`${`${who}, ${k.label}`.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  peak RSS ${r.rss.toFixed(0)} MiB  non-2xx ${r.failed}${r.recorded !== undefined ? `  recorded ${r.recorded}` : ''}\n`);
    }
    rows.push({ kind: k.label, ours, theirs, theirsDb });
  }
  const csr = pemForJson(readFileSync(join(dir, 'ECDSA-P-256', 'user.csr'), 'utf8'));
  const scale = await benchScale({ dir, ca, caBin, sh, port: (port += 10), csr });
  const million = await benchMillion({ dir, ca, caBin, sh, port: (port += 10), csr });
  return { rows, scale, million, seconds };
}

/**
 * cfssl persisting what it signs, as `ca serve` does: `-db-config` with SQLite (Debian's cfssl is
 * built with it), the table of cfssl's certdb/sqlite migrations (001 and 002) made beforehand.
 */
const CERTDB_SCHEMA = `CREATE TABLE certificates (serial_number blob NOT NULL, authority_key_identifier blob NOT NULL,
  ca_label blob, status blob NOT NULL, reason int, created_at timestamp, expiry timestamp, revoked_at timestamp,
  pem blob NOT NULL, issued_at timestamp, not_before timestamp, originating_host text, sans text, tags text,
  common_name text, filename text, application_name text, PRIMARY KEY(serial_number, authority_key_identifier));
CREATE INDEX certificates_created_at ON certificates (created_at);
CREATE INDEX certificates_revoked_at ON certificates (revoked_at);
CREATE TABLE ocsp_responses (serial_number blob NOT NULL, authority_key_identifier blob NOT NULL, body blob NOT NULL,
  expiry timestamp, PRIMARY KEY(serial_number, authority_key_identifier),
  FOREIGN KEY(serial_number, authority_key_identifier) REFERENCES certificates(serial_number, authority_key_identifier));`;

async function cfsslWithCertdb({ dir, cfssl, port, csr, seconds, script }) {
  spawnSync('sqlite3', [join(dir, 'certs.db'), CERTDB_SCHEMA]);
  writeFileSync(join(dir, 'db.json'), JSON.stringify({ driver: 'sqlite3', data_source: 'certs.db' }));
  const url = `https://127.0.0.1:${port}`;
  const server = await start('cfssl', ['serve', '-address', '127.0.0.1', '-port', String(port), ...cfssl, '-db-config', 'db.json'], dir, () => answers(`${url}/api/v1/cfssl/info`, ['-d', '{}']));
  const r = wrk(`${url}/api/v1/cfssl/sign`, script, [csr], seconds, dir);
  r.rss = peakMib(server.pid);
  await stop(server);
  r.recorded = Number(spawnSync('sqlite3', [join(dir, 'certs.db'), 'SELECT count(*) FROM certificates'], { encoding: 'utf8' }).stdout.trim());
  return r;
}

/**
 * Issuance #1 against #100,000: one ECDSA store filled through `ca serve` itself, throughput
 * measured over a window at the start and again once the index holds 100,000 certificates.
 */
async function benchScale({ dir, ca, caBin, sh, port, csr }) {
  const target = Number(process.env.BENCH_SCALE_COUNT ?? 100_000);
  const window = Number(process.env.BENCH_SCALE_SECONDS ?? 15);
  const d = join(dir, 'scale');
  mkdirSync(d);
  sh(`${ca} init -q --key-type ecdsa scale 2>/dev/null`, d);
  const url = `https://127.0.0.1:${port}`;
  const server = await start(process.execPath, [caBin, 'serve', '--listen', url.slice(8), '--rate-limit', '1000000', '--log', 'audit.jsonl'], d, () => answers(`${url}/v1/health`));
  const token = () => spawnSync('sh', ['-c', `${ca} token create -q --profile client --uses 10000 --ttl 1d`], { cwd: d, encoding: 'utf8' }).stdout.trim();
  let run = 0;
  const load = (secs) => wrk(url, join(dir, 'ca.lua'), [csr, token(), String(++run)], secs, d);
  const first = load(window);
  let issued = first.requests - first.failed;
  const started = Date.now();
  while (issued < target) {
    const r = load(Math.max(2, Math.min(20, Math.ceil((target - issued) / Math.max(first.rps, 1)))));
    issued += r.requests - r.failed;
  }
  const fill = (Date.now() - started) / 1000;
  const last = load(window);
  const rss = peakMib(server.pid);
  await stop(server);
  const ratio = first.rps / last.rps;
  process.stdout.write(`issuance at ${issued.toLocaleString('en')} certificates: ${last.rps.toFixed(0)} req/s against ${first.rps.toFixed(0)} at the start: cost ×${ratio.toFixed(2)}; peak RSS ${rss.toFixed(0)} MiB (filled in ${fill.toFixed(0)} s)\n`);
  const empty = join(dir, 'scale-empty');
  mkdirSync(empty);
  sh(`${ca} init -q --key-type ecdsa scale 2>/dev/null`, empty);
  const commands = await cliOnStores({ empty, full: d, ca, caBin, port: port + 1 });
  return { target: issued, first, last, ratio, rss, window, commands };
}

/**
 * A store as a cluster's CA holds one after months (bench/fill-store.js: 5,000 nodes renewing
 * 1-day certificates daily, 1,000,000 certificates, all but 5,000 expired) against an empty one:
 * `ca serve`'s issuance and peak RSS on each, and the command line. Each run works on a copy of
 * the kept store, made with hard links (certificates are never rewritten in place) but for the
 * files that are appended to.
 */
export async function benchMillion({ dir, ca, caBin, sh, port, csr }) {
  const target = Number(process.env.BENCH_MILLION_COUNT ?? 1_000_000);
  if (target === 0) return undefined;
  // A token allows 10,000 uses: the window is the serve rows' (10 s), not the scale row's.
  const window = Number(process.env.BENCH_SERVE_SECONDS ?? 10);
  const t = Date.now();
  const kept = await filledStore(target);
  const fill = (Date.now() - t) / 1000;
  const full = join(dir, 'million');
  sh(`cp -al '${kept}' million && cd million && for f in .ca/journal.jsonl .ca/archive/*.jsonl; do cp --remove-destination "${kept}/$f" "$f"; done`, dir);
  const empty = join(dir, 'million-empty');
  mkdirSync(empty);
  sh(`${ca} init -q --key-type ecdsa million 2>/dev/null`, empty);
  const index = JSON.parse(readFileSync(join(full, '.ca', 'index.json'), 'utf8'));
  const holds = { hot: index.certificates.length, archived: index.archived ?? 0 };
  const issuance = async (cwd, p) => {
    const url = `https://127.0.0.1:${p}`;
    const t0 = Date.now();
    const server = await start(process.execPath, [caBin, 'serve', '--listen', url.slice(8), '--rate-limit', '1000000'], cwd, () => answers(`${url}/v1/health`));
    const ready = (Date.now() - t0) / 1000;
    const token = spawnSync('sh', ['-c', `${ca} token create -q --profile client --uses 10000 --ttl 1d`], { cwd, encoding: 'utf8' }).stdout.trim();
    const r = wrk(url, join(dir, 'ca.lua'), [csr, token, 'm'], window, cwd);
    if (r.failed > 0) process.stdout.write(`  ${r.failed} of ${r.requests} requests refused (${cwd})\n`);
    r.rss = peakMib(server.pid);
    r.ready = ready;
    await stop(server);
    return r;
  };
  // The command line first: the serve windows add thousands of certificates in force to each store.
  const commands = await cliOnStores({ empty, full, ca, caBin, port: port + 2, perCertificate: true });
  const onEmpty = await issuance(empty, port);
  const onFull = await issuance(full, port + 1);
  const ratio = onEmpty.rps / onFull.rps;
  process.stdout.write(`issuance on ${target.toLocaleString('en')} certificates (${holds.hot.toLocaleString('en')} in the index): ${onFull.rps.toFixed(0)} req/s against ${onEmpty.rps.toFixed(0)} on an empty store: cost ×${ratio.toFixed(2)}; peak RSS ${onFull.rss.toFixed(0)} MiB; ready in ${onFull.ready.toFixed(2)} s\n`);
  return { target, holds, fill, window, onEmpty, onFull, ratio, commands };
}

/**
 * The CLI on the filled store against an empty one (a new store of the same key type): median
 * seconds of 3 runs and the peak RSS of one, for commands on one certificate and for those that
 * read every certificate (with how soon their first line comes); and how long `ca serve` takes to
 * answer /v1/health. `perCertificate`: every command of SPEC's list that works on one certificate.
 */
async function cliOnStores({ empty, full, ca, caBin, port, perCertificate = false }) {
  const rows = [
    ['create-api-certificate', (i) => `${ca} create-api-certificate -q cli${i} >/dev/null`],
    ...(perCertificate
      ? [
          ['new-cert + sign', (i) => `${ca} new-cert -q req${i} && ${ca} sign -q req${i} >/dev/null`],
          ['export', (i) => `${ca} export --insecure cli${i} >/dev/null`],
          ['verify', (i) => `${ca} verify cli${i}.crt >/dev/null`],
          ['renew', (i) => `${ca} renew -q cli${i} >/dev/null`],
          ['token create', () => `${ca} token create -q --profile client >/dev/null`],
        ]
      : []),
    ['show', () => `${ca} show cli0 >/dev/null`],
    ['revoke', (i) => `${ca} revoke -q cli${i} >/dev/null`],
    ['list', () => `${ca} list >/dev/null`, 'list'],
    ['list --json', () => `${ca} list --json >/dev/null`, 'list --json'],
    ['status', () => `${ca} status >/dev/null || true`, 'status'],
  ];
  const timed = (cmd, cwd) => {
    const t = process.hrtime.bigint();
    spawnSync('sh', ['-c', cmd], { cwd });
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  const rssOf = (cmd, cwd) => Number(spawnSync('/usr/bin/time', ['-f', '%M', 'sh', '-c', cmd], { cwd, encoding: 'utf8' }).stderr.trim().split('\n').at(-1)) / 1024;
  const median3 = (xs) => [...xs].sort((a, b) => a - b)[1];
  const out = [];
  for (const [label, cmd, streams] of rows) {
    const side = async (cwd) => ({
      seconds: median3([0, 1, 2].map((i) => timed(cmd(i * 2), cwd))),
      rss: rssOf(cmd(7), cwd),
      ...(streams ? { firstLine: await firstLine(streams, cwd) } : {}),
    });
    out.push({ label, empty: await side(empty), full: await side(full) });
  }
  const startup = async (cwd, p) => {
    const url = `https://127.0.0.1:${p}`;
    const t = Date.now();
    const child = await start(process.execPath, [caBin, 'serve', '--listen', url.slice(8)], cwd, () => answers(`${url}/v1/health`));
    const seconds = (Date.now() - t) / 1000;
    await stop(child);
    return seconds;
  };
  out.push({ label: 'serve (until /v1/health answers)', empty: { seconds: await startup(empty, port) }, full: { seconds: await startup(full, port + 1) } });
  for (const r of out) process.stdout.write(`  ${r.label.padEnd(34)} empty ${r.empty.seconds.toFixed(2)} s, full ${r.full.seconds.toFixed(2)} s (×${(r.full.seconds / r.empty.seconds).toFixed(2)})${r.full.rss ? `, peak RSS ${r.empty.rss.toFixed(0)} / ${r.full.rss.toFixed(0)} MiB` : ''}${r.full.firstLine ? `, first line after ${r.empty.firstLine.toFixed(2)} / ${r.full.firstLine.toFixed(2)} s` : ''}\n`);
  return out;

  /** Seconds until `ca ARGS` writes its first byte to stdout. */
  function firstLine(args, cwd) {
    return new Promise((resolve) => {
      const t = process.hrtime.bigint();
      const child = spawn(process.execPath, [caBin, ...args.split(' ')], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
      let seen;
      child.stdout.once('data', () => (seen = Number(process.hrtime.bigint() - t) / 1e9));
      child.stdout.resume();
      child.on('close', () => resolve(seen ?? Number(process.hrtime.bigint() - t) / 1e9));
    });
  }
}

/** The section of docs/performance.md for benchMillion above. */
export function millionSection(m) {
  if (!m) return '';
  const count = (n) => n.toLocaleString('en');
  const cliGoal = (c) => {
    const ratio = c.full.seconds / c.empty.seconds;
    const streams = c.full.firstLine !== undefined;
    if (streams) return c.full.rss < 200 ? 'met (< 200 MiB)' : '**not met** (< 200 MiB)';
    return ratio <= 1.2 && c.full.rss < 100 ? 'met' : '**not met**';
  };
  return `
### A store of ${count(m.target)} certificates

Made once by \`bench/fill-store.js\` (and kept under ~/.cache/clusterca-bench; this run ${m.fill > 5 ? `filled it in ${m.fill.toFixed(0)} s` : 'reused it'}): 5,000
nodes, each issued a 1-day certificate every day for ${count(Math.round(m.target / 5000))} days through the use cases and
the store's own commit path, with the clock of each day. The index holds ${count(m.holds.hot)} entries (each node's
current certificate and the CA's), the archive ${count(m.holds.archived)}. Each run works on a copy.

| \`ca serve\`, ECDSA P-256 | empty store | ${count(m.target)} certificates | goal |
|---|---|---|---|
| requests/s (${m.window} s, 16 connections) | ${m.onEmpty.rps.toFixed(0)} | ${m.onFull.rps.toFixed(0)} | cost ×${m.ratio.toFixed(2)}, ≤ 1.2: ${m.ratio <= 1.2 ? 'met' : '**not met**'} |
| p99 (ms) | ${m.onEmpty.p99.toFixed(1)} | ${m.onFull.p99.toFixed(1)} | — |
| non-2xx | ${m.onEmpty.failed} | ${m.onFull.failed} | — |
| peak RSS (MiB) | ${m.onEmpty.rss.toFixed(0)} | ${m.onFull.rss.toFixed(0)} | ≤ 400: ${m.onFull.rss <= 400 ? 'met' : '**not met**'} |
| ready (s, until /v1/health answers) | ${m.onEmpty.ready.toFixed(2)} | ${m.onFull.ready.toFixed(2)} | ≤ 5: ${m.onFull.ready <= 5 ? 'met' : '**not met**'} |

| command | empty store (s) | ${count(m.target)} certificates (s) | ratio | peak RSS empty / full (MiB) | first line empty / full (s) | goal |
|---|---|---|---|---|---|---|
${m.commands
    .map((c) => {
      const first = c.full.firstLine !== undefined ? `${c.empty.firstLine.toFixed(2)} / ${c.full.firstLine.toFixed(2)}` : '—';
      const rss = c.full.rss ? `${c.empty.rss.toFixed(0)} / ${c.full.rss.toFixed(0)}` : '—';
      const goal = c.full.rss ? cliGoal(c) : c.full.seconds <= 5 ? 'met (≤ 5 s)' : '**not met** (≤ 5 s)';
      return `| \`ca ${c.label}\` | ${c.empty.seconds.toFixed(2)} | ${c.full.seconds.toFixed(2)} | ${(c.full.seconds / c.empty.seconds).toFixed(2)} | ${rss} | ${first} | ${goal} |`;
    })
    .join('\n')}
`;
}
