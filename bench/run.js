#!/usr/bin/env node
// `npm run bench`: clusterca against its peers on the cluster job, side by side in one run.
// Each comparison alternates A and B (ABBA order) for N pairs and reports the median of the
// pairwise ratios A/B, which cancels most of the machine's drift; RSA key generation is noisy, so
// medians, never means. Peak RSS comes from GNU time. Writes docs/performance.md. Not a test:
// nothing here asserts a time.
//
//   BENCH_RUNS=21 npm run bench      pairs per single-certificate comparison (default 15)
//   BENCH_MILLION_COUNT=0            skip the store of a million certificates (bench/fill-store.js
//                                    fills it once, ~15 min, ~4.5 GB, and keeps it in ~/.cache)
import { spawnSync } from 'node:child_process';
import { cpus, totalmem, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchAcme } from './acme.js';
import { benchServe, millionSection } from './serve.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CA_BIN = join(ROOT, 'bin/ca.js');
const CA = `"${process.execPath}" "${CA_BIN}"`;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const COUNT_RUNS = Number(process.env.BENCH_COUNT_RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'clusterca-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function sh(cmd, cwd = work, env = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', cmd], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return seconds;
}
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** ABBA pairs: median of A/B, and each side's median seconds. */
function compare(label, a, b, runs = RUNS) {
  const ta = [];
  const tb = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      ta.push(a(i));
      tb.push(b(i));
    } else {
      tb.push(b(i));
      ta.push(a(i));
    }
  }
  const ratio = median(ta.map((x, i) => x / tb[i]));
  const row = { label, ratio, a: median(ta), b: median(tb), runs };
  process.stdout.write(`${label.padEnd(62)} ${ratio.toFixed(2)}  (${row.a.toFixed(3)} s / ${row.b.toFixed(3)} s, ${runs} pairs)\n`);
  return row;
}

/** Peak resident set size in MiB of one run, from GNU time. */
function peakRss(cmd, cwd) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'sh', '-c', cmd], { cwd, encoding: 'utf8' });
  return Number(r.stderr.trim().split('\n').at(-1)) / 1024;
}

// --- the CAs: one per tool, 2048-bit keys everywhere -------------------------------------
const caDir = join(work, 'ca');
const caEcDir = join(work, 'ca-ecdsa');
const osslDir = join(work, 'openssl');
const mkcertDir = join(work, 'mkcert');
const cfsslDir = join(work, 'cfssl');
const cfsslEcDir = join(work, 'cfssl-ecdsa');
for (const d of [caDir, caEcDir, osslDir, mkcertDir, cfsslDir, cfsslEcDir]) mkdirSync(d);
sh(`${CA} init -q --key-bits 2048 bench`, caDir);
sh(`${CA} init -q --key-type ecdsa bench-ecdsa`, caEcDir);
sh('openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -subj /CN=bench -days 3650 2>/dev/null', osslDir);
writeFileSync(join(osslDir, 'client.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
writeFileSync(join(osslDir, 'peer.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:10.0.0.1\n');
const osslOneShot = (name, ext) =>
  `openssl req -x509 -CA ca.crt -CAkey ca.key -newkey rsa:2048 -nodes -keyout ${name}.key -out ${name}.crt -subj /CN=${name} -days 825 -addext ${ext} 2>/dev/null`;
const hasMkcert = have('mkcert');
const hasCfssl = have('cfssl') && have('cfssljson');
if (hasMkcert) sh('mkcert -client warmup >/dev/null 2>&1', mkcertDir, { CAROOT: mkcertDir });
if (hasCfssl) {
  writeFileSync(join(cfsslDir, 'ca-csr.json'), JSON.stringify({ CN: 'bench', key: { algo: 'rsa', size: 2048 } }));
  writeFileSync(join(cfsslDir, 'config.json'), JSON.stringify({
    signing: { profiles: { client: { usages: ['signing', 'key encipherment', 'client auth'], expiry: '19800h' } } },
  }));
  writeFileSync(join(cfsslDir, 'csr.json'), JSON.stringify({ CN: 'user', key: { algo: 'rsa', size: 2048 } }));
  sh('cfssl gencert -initca ca-csr.json 2>/dev/null | cfssljson -bare ca', cfsslDir);
  // The same with ECDSA P-256 keys and CA (cfssl's "key":{"algo":"ecdsa","size":256}).
  writeFileSync(join(cfsslEcDir, 'ca-csr.json'), JSON.stringify({ CN: 'bench-ecdsa', key: { algo: 'ecdsa', size: 256 } }));
  writeFileSync(join(cfsslEcDir, 'config.json'), readFileSync(join(cfsslDir, 'config.json')));
  writeFileSync(join(cfsslEcDir, 'csr.json'), JSON.stringify({ CN: 'user', key: { algo: 'ecdsa', size: 256 } }));
  sh('cfssl gencert -initca ca-csr.json 2>/dev/null | cfssljson -bare ca', cfsslEcDir);
}
const cfsslGencert = (name) =>
  `cfssl gencert -ca ca.pem -ca-key ca-key.pem -config config.json -profile client csr.json 2>/dev/null | cfssljson -bare ${name}`;

// --- comparisons ------------------------------------------------------------------------------
process.stdout.write(`clusterca benchmark: ${RUNS} pairs per comparison (A = clusterca, B = peer; ratio = median of A/B)\n\n`);
const rows = [];
const NODE = `"${process.execPath}"`;
rows.push({ ...compare('`ca --help` / `node -e 0`', () => sh(`${CA} --help >/dev/null`), () => sh(`${NODE} -e 0`)), goal: 1.25 });
// A store of 1,000 certificates to list (ECDSA: made in seconds).
const listDir = join(work, 'list');
mkdirSync(listDir);
sh(`${CA} init -q --key-type ecdsa list && mkdir nodes && ${CA} create-node-certificate -q --count 1000 --out nodes >/dev/null`, listDir);
rows.push({ ...compare('`ca list` (1,000 certificates) / `node -e 0`', () => sh(`${CA} list >/dev/null`, listDir), () => sh(`${NODE} -e 0`)), goal: 1.4 });
rows.push({
  ...compare(
    '`create-api-certificate` / a Node script that makes and writes a key',
    (i) => sh(`${CA} create-api-certificate -q f${i} >/dev/null`, caDir),
    (i) => sh(`${NODE} "${join(ROOT, 'bench/floor.js')}" floor${i}.key`, caDir),
  ),
  goal: 1.15,
});
rows.push({
  ...compare(
    '`new-cert` + `sign` / `openssl req -newkey` + `openssl x509 -req`',
    (i) => sh(`${CA} new-cert -q --ip 10.0.0.1 p${i} && ${CA} sign -q p${i}`, caDir),
    (i) => sh(`openssl req -new -newkey rsa:2048 -nodes -keyout p${i}.key -out p${i}.csr -subj /CN=p${i} 2>/dev/null && openssl x509 -req -in p${i}.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -extfile peer.ext -out p${i}.crt 2>/dev/null`, osslDir),
  ),
  goal: 1.8,
});
rows.push({
  ...compare('`create-api-certificate` / `openssl req -x509 -CA` (one shot)', (i) => sh(`${CA} create-api-certificate -q u${i} >/dev/null`, caDir), (i) => sh(osslOneShot(`u${i}`, 'extendedKeyUsage=clientAuth'), osslDir)),
  goal: 1.0,
});
if (hasMkcert) {
  rows.push({
    ...compare('`create-api-certificate` / `mkcert -client`', (i) => sh(`${CA} create-api-certificate -q m${i} >/dev/null`, caDir), (i) => sh(`mkcert -client m${i} >/dev/null 2>&1`, mkcertDir, { CAROOT: mkcertDir })),
    goal: 1.0,
  });
}
if (hasCfssl) {
  rows.push({
    ...compare('`create-api-certificate` / `cfssl gencert`', (i) => sh(`${CA} create-api-certificate -q c${i} >/dev/null`, caDir), (i) => sh(cfsslGencert(`c${i}`), cfsslDir)),
    goal: 1.3,
  });
}
const loop = (body) => `for i in $(seq 1 50); do ${body}; done`;
rows.push({
  ...compare(
    '`create-node-certificate --count 50` / 50 openssl one-shots',
    (i) => sh(`mkdir n${i} && ${CA} create-node-certificate -q --count 50 --ip 10.0.0.1 --out n${i} >/dev/null`, caDir),
    (i) => sh(`mkdir n${i} && cd n${i} && ${loop(osslOneShot('n$i', 'subjectAltName=IP:10.0.0.1').replace(/ca\.(crt|key)/g, '../ca.$1'))}`, osslDir),
    COUNT_RUNS,
  ),
  goal: 0.5,
});
if (hasCfssl) {
  rows.push({
    ...compare(
      '`create-node-certificate --count 50` / 50 cfssl gencert',
      (i) => sh(`mkdir k${i} && ${CA} create-node-certificate -q --count 50 --ip 10.0.0.1 --out k${i} >/dev/null`, caDir),
      (i) => sh(`mkdir k${i} && ${loop(cfsslGencert('k' + i + '/$i'))}`, cfsslDir),
      COUNT_RUNS,
    ),
    goal: 0.7,
  });
}

// ECDSA P-256 keys and CAs on both sides: no prime search, so what is left is start-up and signing.
const EC_COUNT = Number(process.env.BENCH_EC_COUNT ?? 1000);
if (hasCfssl) {
  rows.push({
    ...compare('`create-api-certificate` / `cfssl gencert`, both ECDSA P-256', (i) => sh(`${CA} create-api-certificate -q e${i} >/dev/null`, caEcDir), (i) => sh(cfsslGencert(`e${i}`), cfsslEcDir)),
    goal: null,
  });
  rows.push({
    ...compare(
      `\`create-node-certificate --count ${EC_COUNT}\` / ${EC_COUNT} cfssl gencert, both ECDSA P-256`,
      (i) => sh(`mkdir q${i} && ${CA} create-node-certificate -q --count ${EC_COUNT} --ip 10.0.0.1 --out q${i} >/dev/null`, caEcDir),
      (i) => sh(`mkdir q${i} && for i in $(seq 1 ${EC_COUNT}); do ${cfsslGencert('q' + i + '/$i')}; done`, cfsslEcDir),
      Number(process.env.BENCH_EC_COUNT_RUNS ?? 1),
    ),
    goal: null,
  });
}

// --- peak memory ------------------------------------------------------------------------------
const rss = [
  ['ca --help', peakRss(`${CA} --help >/dev/null`, caDir)],
  ['ca init (4096-bit)', peakRss(`${CA} init -q --store rss-store`, caDir)],
  ['ca new-cert + ca sign', Math.max(peakRss(`${CA} new-cert -q r1`, caDir), peakRss(`${CA} sign -q r1`, caDir))],
  ['ca create-api-certificate', peakRss(`${CA} create-api-certificate -q r2 >/dev/null`, caDir)],
  ['ca create-node-certificate --count 50', peakRss(`mkdir r3 && ${CA} create-node-certificate -q --count 50 --out r3 >/dev/null`, caDir)],
  ['ca export --format p12', peakRss(`${CA} export r2 --format p12 --p12-password benchmark >/dev/null`, caDir)],
  ['ca list (60 certificates)', peakRss(`${CA} list >/dev/null`, caDir)],
];
process.stdout.write('\npeak RSS (MiB):\n');
for (const [label, mib] of rss) process.stdout.write(`  ${label.padEnd(40)} ${mib.toFixed(1)}\n`);

// --- ca serve ---------------------------------------------------------------------------------
const served = await benchServe({ work, ca: CA, caBin: CA_BIN, sh, have });
const acme = await benchAcme({ work, ca: CA, caBin: CA_BIN, sh, have });

// --- docs/performance.md ------------------------------------------------------------------------
const version = (cmd) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout.split('\n')[0].trim();
const machine = [
  `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  `Node.js ${process.version}; ${version('openssl version')}`,
  hasMkcert ? `mkcert ${version('mkcert -version 2>&1')}` : 'mkcert: not installed',
  hasCfssl ? `cfssl ${version('cfssl version 2>&1 | head -1')}` : 'cfssl: not installed',
];
const table = rows
  .map((r) => {
    const goal = r.goal === null ? '—' : `≤ ${r.goal}`;
    const status = r.goal === null ? 'recorded' : r.ratio <= r.goal ? 'met' : '**not met**';
    return `| ${r.label} | ${r.ratio.toFixed(2)} | ${goal} | ${status} | ${r.a.toFixed(3)} | ${r.b.toFixed(3)} | ${r.runs} |`;
  })
  .join('\n');
const rssTable = rss.map(([label, mib]) => `| ${label} | ${mib.toFixed(1)} | ${mib <= 100 ? 'met' : '**not met**'} |`).join('\n');
const serveRows = (served?.rows ?? []).flatMap(({ kind, ours, theirs, theirsDb }) => [
  `| ca serve, ${kind} | ${ours.rps.toFixed(0)} | ${ours.p50.toFixed(1)} | ${ours.p99.toFixed(1)} | ${ours.failed} | ${ours.rss.toFixed(0)} | ${ours.recorded} |`,
  `| cfssl serve, ${kind} | ${theirs.rps.toFixed(0)} | ${theirs.p50.toFixed(1)} | ${theirs.p99.toFixed(1)} | ${theirs.failed} | ${theirs.rss.toFixed(0)} | none (no database) |`,
  ...(theirsDb ? [`| cfssl serve + SQLite certdb, ${kind} | ${theirsDb.rps.toFixed(0)} | ${theirsDb.p50.toFixed(1)} | ${theirsDb.p99.toFixed(1)} | ${theirsDb.failed} | ${theirsDb.rss.toFixed(0)} | ${theirsDb.recorded} |`] : []),
]);
const serveGoal = (served?.rows ?? []).map(({ kind, ours, theirs, theirsDb }) => `${kind}: ${(ours.rps / theirs.rps).toFixed(2)}× cfssl's, ${ours.rps > theirs.rps ? 'met' : '**not met**'}, p99 ${ours.p99 <= theirs.p99 ? 'met' : '**not met**'}${theirsDb ? ` (${(ours.rps / theirsDb.rps).toFixed(2)}× cfssl's with its SQLite certdb)` : ''}`);
const scale = served?.scale;
const count = (n) => n.toLocaleString('en');
const scaleRow = (holds, r) => `| ${holds} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`;
const serveSection = served
  ? `## \`ca serve\` against \`cfssl serve\`

POST a sign request as fast as 16 connections allow, for ${served.seconds} s, driven by wrk
(\`wrk -t2 -c16 --latency\`), both servers over TLS with keep-alive, both with a CA of the key type
shown and the same CSR (a client certificate). \`ca serve\` is asked with an enrollment token and
a JSON body (\`{"csr", "name"}\`, a new name each time); cfssl with \`{"certificate_request",
"profile"}\` at \`/api/v1/cfssl/sign\`. **\`ca serve\` records every certificate durably before it
answers** (issued/<serial>.crt, the journal line and certs/NAME.crt, fsynced; and the audit log);
**\`cfssl serve\` without \`-db-config\` persists nothing**: a certificate it issued exists only in
its answer; with \`-db-config\` and SQLite (cfssl's certdb tables) it records each one. Peak RSS is
the server's VmHWM after the run.

| server, CA key | requests/s | p50 (ms) | p99 (ms) | non-2xx | peak RSS (MiB) | certificates recorded |
|---|---|---|---|---|---|---|
${serveRows.join('\n')}

Goal, ahead of cfssl in requests/s: ${serveGoal.join('; ')}.

### Issuance #1 against #${count(scale.target)}

One ECDSA P-256 store filled through \`ca serve\` itself to ${count(scale.target)} certificates; ${scale.window} s of
load at the start and again at the end, as above.

| index holds | requests/s | p50 (ms) | p99 (ms) |
|---|---|---|---|
${scaleRow('0', scale.first)}
${scaleRow(count(scale.target), scale.last)}

Cost of an issuance at the end against the start: ×${scale.ratio.toFixed(2)} (goal ≤ 1.2: ${scale.ratio <= 1.2 ? 'met' : '**not met**'}).
Peak RSS of the server holding that index: ${scale.rss.toFixed(0)} MiB.

The command line on that store against an empty one (goal at 1,000,000 certificates: commands on
one certificate ≤ 1.2× and < 100 MiB; \`list\` and \`status\` < 200 MiB; \`serve\` ready within 5 s):

| command | empty store (s) | ${count(scale.target)} certificates (s) | ratio | peak RSS empty / full (MiB) |
|---|---|---|---|---|
${scale.commands.map((c) => `| \`ca ${c.label}\` | ${c.empty.seconds.toFixed(2)} | ${c.full.seconds.toFixed(2)} | ${(c.full.seconds / c.empty.seconds).toFixed(2)} | ${c.full.rss ? `${c.empty.rss.toFixed(0)} / ${c.full.rss.toFixed(0)}` : '—'} |`).join('\n')}
${millionSection(served.million)}
`
  : `## \`ca serve\` against \`cfssl serve\`

Not measured: wrk, cfssl or curl was missing on this machine.

`;
const acmeSection = acme
  ? `## \`ca serve --acme\` against Pebble

lego issues ${acme.certs} certificates one after another by http-01 (\`lego run\`, one account, a new
name each time), against \`ca serve --acme\` and against Pebble (Debian \`pebble\`, the ACME reference
server) with \`PEBBLE_VA_NOSLEEP=1\`, \`PEBBLE_WFE_NONCEREJECT=0\` and \`PEBBLE_AUTHZREUSE=0\` (no
deliberate delay, no nonce refused at random, every order validated). Both sides: an ECDSA P-256 CA,
lego's default P-256 keys, names resolved through \`pebble-challtestsrv\`, validation on loopback.
Rounds in ABBA order; medians.

| server | ${acme.certs} certificates (s) | per certificate (s) |
|---|---|---|
| ca serve --acme | ${acme.ours.toFixed(2)} | ${(acme.ours / acme.certs).toFixed(3)} |
| Pebble | ${acme.pebble.toFixed(2)} | ${(acme.pebble / acme.certs).toFixed(3)} |

Ratio ${acme.ratio.toFixed(2)}× Pebble (goal ≤ 1.0: ${acme.ratio <= 1 ? 'met' : '**not met**'}; ${acme.rounds} rounds).

`
  : `## \`ca serve --acme\` against Pebble

Not measured: lego, pebble or curl was missing on this machine.

`;
const marker = '<!-- analysis: kept by bench/run.js -->';
let analysis = '';
try {
  const old = readFileSync(join(ROOT, 'docs/performance.md'), 'utf8');
  if (old.includes(marker)) analysis = old.slice(old.indexOf(marker));
} catch {
  // first run: no analysis yet
}
writeFileSync(
  join(ROOT, 'docs/performance.md'),
  `# Performance

Measured by \`npm run bench\` (bench/run.js) on ${new Date().toISOString().slice(0, 10)}. This file's tables are
rewritten by each run; the analysis below them is kept.

Machine: ${machine.join('; ')}.

## Method

Each comparison runs clusterca (A) and a peer (B) alternately, in ABBA order, each as a fresh
process through \`sh -c\`, for the number of pairs shown, and reports the median of the pairwise
ratios A/B (below 1: clusterca is faster). Every tool signs with its own 2048-bit CA and makes a
2048-bit RSA key per certificate, but in the rows marked ECDSA P-256, where both sides use an
ECDSA P-256 CA and keys. RSA key generation dominates and its time varies widely from key to key
(a prime search), so single runs mean little; medians of pairs do. Peak RSS is GNU time's maximum
resident set size.

## Ratios

| comparison (A / B) | median A/B | goal | status | A median (s) | B median (s) | pairs |
|---|---|---|---|---|---|---|
${table}

## Peak memory

| command | peak RSS (MiB) | goal ≤ 100 MiB |
|---|---|---|
${rssTable}

${serveSection}${acmeSection}${analysis || marker}
`,
);
process.stdout.write('\nwrote docs/performance.md\n');
