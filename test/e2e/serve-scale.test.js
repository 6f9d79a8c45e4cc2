// Scale (SPEC "Scale"): the cost of one issuance does not grow with the index. A few thousand
// certificates through `ca serve`, timed in batches; the last batch may not cost much more than the
// first (the bound is generous: it catches a cost that grows with the index, not machine noise).
// The journal grows a line per commit, never rewritten; commits made at once share a line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { caOk, run, storeIndex, tempDir } from '../helpers/ca.js';
import { craftRequest, pemRequest } from '../helpers/csr.js';
import { https, startServe } from '../helpers/serve.js';

const BATCHES = 6;
const PER_BATCH = 500;

test(`${BATCHES * PER_BATCH} issuances: the last ${PER_BATCH} cost about what the first ${PER_BATCH} did`, { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', 'scale-ca']);
  caOk(dir, ['create-api-certificate', '--admin', 'ops']);
  caOk(dir, ['export', '--out', 'ca.tar']);
  run('tar', ['xf', 'ca.tar'], { cwd: dir });
  const server = await startServe(dir, ['--rate-limit', '1000000']);
  t.after(() => server.stop());
  const csr = pemRequest(craftRequest({ key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, algorithm: 'ec256' }));
  const o = { ca: join(dir, 'ca.crt'), cert: join(dir, 'ops.crt'), key: join(dir, 'ops.key'), method: 'POST', headers: { 'content-type': 'application/json' } };
  const seconds = [];
  for (let b = 0; b < BATCHES; b++) {
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < PER_BATCH) {
          const i = next++;
          const r = await https(`${server.url}/v1/sign`, { ...o, body: JSON.stringify({ csr, name: `s${b}-${i}` }) });
          assert.equal(r.status, 200, r.text);
        }
      }),
    );
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  t.diagnostic(`seconds per batch of ${PER_BATCH}: ${seconds.map((s) => s.toFixed(2)).join(', ')}`);
  assert.ok(seconds.at(-1) / seconds[0] < 2.5, `last/first = ${(seconds.at(-1) / seconds[0]).toFixed(2)}`);
  const index = storeIndex(join(dir, '.ca'));
  assert.equal(index.certificates.length, BATCHES * PER_BATCH + 3); // the CA, ops, ca-server
  const lines = readFileSync(join(dir, '.ca/journal.jsonl'), 'utf8').trim().split('\n').length;
  t.diagnostic(`${lines} journal lines for ${BATCHES * PER_BATCH} issuances`);
  assert.ok(lines < BATCHES * PER_BATCH, 'concurrent issuances shared commits');
});
