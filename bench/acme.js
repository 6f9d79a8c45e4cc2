// `ca serve --acme` against Pebble, the ACME reference server: lego issues 20 certificates one
// after another by http-01 from each, names resolving through pebble-challtestsrv (every A answer
// is 127.0.0.1). Part of `npm run bench` (run.js), not a test: nothing here asserts a time.
//
// Pebble is told not to slow itself down or fail on purpose, so both sides do the same work:
// PEBBLE_VA_NOSLEEP=1 (no random wait before validating), PEBBLE_WFE_NONCEREJECT=0 (no nonce
// refused at random), PEBBLE_AUTHZREUSE=0 (every order validates, as `ca serve` does).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answers, start, stop } from './serve.js';

const CERTS = Number(process.env.BENCH_ACME_CERTS ?? 20);
const ROUNDS = Number(process.env.BENCH_ACME_ROUNDS ?? 2);

/** Seconds for lego to get CERTS certificates one after another (one account, a new name each). */
function legoRun({ dir, directory, caFile, httpPort, dnsPort, round }) {
  const path = join(dir, `lego-${round}`);
  rmSync(path, { recursive: true, force: true });
  const env = { ...process.env, LEGO_CA_CERTIFICATES: caFile, LEGO_DISABLE_CNAME_SUPPORT: 'true' };
  const started = process.hrtime.bigint();
  for (let i = 0; i < CERTS; i++) {
    const r = spawnSync('lego', ['--server', directory, '--path', path, '--accept-tos', '--email', 'bench@example.test', '--http', '--http.port', `127.0.0.1:${httpPort}`, '--dns.resolvers', `127.0.0.1:${dnsPort}`, '-d', `n${round}-${i}.example.test`, 'run'], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`lego against ${directory} failed: ${r.stderr.slice(-1500)}`);
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

export async function benchAcme({ work, ca, caBin, sh, have }) {
  if (!have('lego') || !have('pebble') || !have('pebble-challtestsrv') || !have('curl')) {
    process.stdout.write('\nca serve --acme vs Pebble: skipped (needs lego, pebble, pebble-challtestsrv and curl: Debian lego, pebble, curl)\n');
    return undefined;
  }
  const dir = join(work, 'acme');
  mkdirSync(dir);
  const port = (n) => 22000 + n; // below the ephemeral range, as in serve.js
  const [dnsPort, mgmt, caPort, pebblePort, pebbleMgmt, httpPort] = [1, 2, 3, 4, 5, 6].map(port);

  const dns = await start('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${mgmt}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-http01', '', '-https01', '', '-tlsalpn01', ''], dir, () => answers(`http://127.0.0.1:${mgmt}/`));

  // clusterca: an ECDSA CA (lego's default account and certificate keys are P-256), its serve
  // certificate for 127.0.0.1; Pebble: the same CA issues its listener's certificate, the PEM of
  // the certificate, the CA and the key (Go's key pair loader takes the blocks it needs from it).
  sh(`${ca} init -q --key-type ecdsa acme-bench 2>/dev/null && ${ca} export -q --format pem --out ca.crt`, dir);
  sh(`${ca} new-cert -q --ip 127.0.0.1 pebble-tls && ${ca} sign -q pebble-tls && ${ca} export -q pebble-tls --format pem --out pebble.pem`, dir);
  writeFileSync(join(dir, 'pebble.json'), JSON.stringify({ pebble: { listenAddress: `127.0.0.1:${pebblePort}`, managementListenAddress: `127.0.0.1:${pebbleMgmt}`, certificate: 'pebble.pem', privateKey: 'pebble.pem', httpPort, tlsPort: port(7), ocspResponderURL: '', externalAccountBindingRequired: false } }));

  const caUrl = `https://127.0.0.1:${caPort}`;
  const ours = await start(process.execPath, [caBin, 'serve', '--listen', caUrl.slice(8), '--acme', '--acme-allow', 'example.test', '--acme-resolver', `127.0.0.1:${dnsPort}`, '--acme-http-port', String(httpPort), '--log', 'audit.jsonl'], dir, () => answers(`${caUrl}/v1/health`));
  const pebble = await start('pebble', ['-config', 'pebble.json', '-dnsserver', `127.0.0.1:${dnsPort}`], dir, () => answers(`https://127.0.0.1:${pebblePort}/dir`), { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' });
  const run = (directory, round) => legoRun({ dir, directory, caFile: join(dir, 'ca.crt'), httpPort, dnsPort, round });
  const a = [];
  const b = [];
  try {
    // ABBA rounds, as the rest of the bench: the ratio of each pair's times, then the median.
    for (let round = 0; round < ROUNDS; round++) {
      const mine = () => a.push(run(`${caUrl}/acme/directory`, `c${round}`));
      const theirs = () => b.push(run(`https://127.0.0.1:${pebblePort}/dir`, `p${round}`));
      if (round % 2 === 0) (mine(), theirs());
      else (theirs(), mine());
    }
  } finally {
    await stop(ours);
    await stop(pebble);
    await stop(dns);
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[(xs.length - 1) >> 1];
  const ratio = median(a.map((x, i) => x / b[i]));
  process.stdout.write(`\nlego, ${CERTS} certificates by http-01: ca serve --acme ${median(a).toFixed(2)} s, Pebble ${median(b).toFixed(2)} s: ${ratio.toFixed(2)}× (${ROUNDS} rounds)\n`);
  return { certs: CERTS, rounds: ROUNDS, ours: median(a), pebble: median(b), ratio };
}
