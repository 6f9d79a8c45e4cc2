// ACME under load and abuse (SPEC "ACME", "Third wave"): an account flooding new orders, an
// account spending an address's budget, an address flooding the server, and floods of refusals in
// the audit log. Each answer is the right problem type, and the store stays consistent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ca, caOk, storeIndex } from '../helpers/ca.js';
import { https, startServe } from '../helpers/serve.js';

let dir;
const f = (...p) => join(dir, ...p);
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'clusterca-acme-limits-'));
  caOk(dir, ['init', '--key-type', 'ecdsa', 'acme-limits-ca']);
  caOk(dir, ['export', '--format', 'pem', '--out', 'ca.crt']);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `ca serve --acme` on this store, with `args` added; stopped when the test ends (one server on a store at a time). */
async function serve(t, args = []) {
  const s = await startServe(dir, ['--acme', '--acme-allow', 'example.test', '--acme-http-port', '1', ...args]);
  t.after(() => s.stop());
  return { server: s, client: acmeClient(s.url, f('ca.crt')) };
}

// --- A small ACME client of our own (RFC 8555 6.2, ES256), to send what real clients never would. ---

/** A new ES256 account key, not yet registered (`kid` undefined). */
function acmeAccount() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const thumbprint = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
  return { privateKey, jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, thumbprint, kid: undefined };
}

/** The flattened JWS of `payload` ('' for POST-as-GET) for `url`, by `kid` once registered, else by `jwk`. */
function acmeJws(acct, url, payload, nonce, { jwkInstead = false, badSignature = false } = {}) {
  const header = { alg: 'ES256', nonce, url, ...(acct.kid && !jwkInstead ? { kid: acct.kid } : { jwk: acct.jwk }) };
  const protectedB64 = Buffer.from(JSON.stringify(header)).toString('base64url');
  const payloadB64 = payload === '' ? '' : Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${protectedB64}.${payloadB64}`), { key: acct.privateKey, dsaEncoding: 'ieee-p1363' });
  if (badSignature) signature[0] ^= 0xff;
  return JSON.stringify({ protected: protectedB64, payload: payloadB64, signature: signature.toString('base64url') });
}

/**
 * A client of `serverUrl` trusting the CA in the file `ca`. Each answer's Replay-Nonce is kept for
 * the next request, as real clients do, so a flood costs one request per POST.
 */
function acmeClient(serverUrl, ca) {
  const spare = [];
  const nonce = async () => {
    if (spare.length > 0) return spare.pop();
    return (await https(`${serverUrl}/acme/new-nonce`, { method: 'HEAD', ca })).headers['replay-nonce'];
  };
  const post = async (acct, url, payload, options = {}) => {
    const body = acmeJws(acct, url, payload, options.nonce ?? (await nonce()), options);
    const r = await https(url, { method: 'POST', ca, headers: { 'content-type': 'application/jose+json' }, body });
    if (r.headers['replay-nonce'] && spare.length < 100) spare.push(r.headers['replay-nonce']);
    return { ...r, data: r.text && !r.text.startsWith('-----') ? JSON.parse(r.text) : {} };
  };
  const register = async () => {
    const acct = acmeAccount();
    const r = await post(acct, `${serverUrl}/acme/new-account`, { termsOfServiceAgreed: true });
    if (r.status !== 201) throw new Error(`new-account answered ${r.status}: ${r.text}`);
    acct.kid = r.headers.location;
    acct.orders = r.data.orders;
    return acct;
  };
  return { nonce, post, register };
}

const auditLines = (text) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

function isProblem(r, type, status) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers['content-type'], 'application/problem+json');
  assert.equal(JSON.parse(r.text).type, `urn:ietf:params:acme:error:${type}`, r.text);
  assert.ok(r.headers['replay-nonce'], 'every ACME answer carries a fresh nonce');
}

/** Runs `task(i)` for i < n, `width` at a time; resolves with the results in order. */
async function pool(n, width, task) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await task(i);
    }
  }));
  return out;
}

test('1,000 new orders from one account: 300 are made, the rest rateLimited; the store stays whole and others are still served', async (t) => {
  // A rate limit the flood does not reach: the cap on open orders is what refuses it.
  const { server, client } = await serve(t, ['--rate-limit', '2000']);
  const acct = await client.register();
  const url = `${server.url}/acme/new-order`;
  const answers = await pool(1000, 16, (i) => client.post(acct, url, { identifiers: [{ type: 'dns', value: `n${i}.example.test` }] }));
  const statuses = answers.map((r) => r.status);
  assert.deepEqual([...new Set(statuses)].sort(), [201, 429], 'every answer is an order or rateLimited; none is a 500');
  const made = answers.filter((r) => r.status === 201);
  assert.equal(made.length, 300, 'at most 300 orders are open per account (Boulder\'s limit)');
  const refused = answers.find((r) => r.status === 429);
  isProblem(refused, 'rateLimited', 429);
  assert.match(refused.data.detail, /finalize them, or wait/);
  assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After says when to ask again');

  // The account's orders URL (RFC 8555 7.1.2.1) lists the open orders, 100 a page with rel="next".
  const listed = [];
  for (let page = acct.orders, n = 0; page && n < 10; n++) {
    const r = await client.post(acct, page, '');
    assert.equal(r.status, 200, r.text);
    listed.push(...r.data.orders);
    page = /<([^>]+)>;rel="next"/.exec([r.headers.link].flat().join(','))?.[1];
  }
  assert.deepEqual(listed.sort(), made.map((r) => r.headers.location).sort());

  // The store holds what was answered, no more: 300 orders, one authorization each.
  const index = storeIndex(join(dir, '.ca'));
  assert.equal(index.acme.orders.length, 300);
  assert.equal(index.acme.authorizations.length, 300);
  assert.equal(ca(dir, ['doctor']).status, 0);
  assert.equal(ca(dir, ['list', '--json']).status, 0);

  // Another account behind the same address is still served.
  const other = await client.register();
  const r = await client.post(other, url, { identifiers: [{ type: 'dns', value: 'other.example.test' }] });
  assert.equal(r.status, 201, r.text);

  // After a restart the store's open orders are counted again: still no room for another.
  await server.stop();
  // The same port: an account URL (the JWS kid) names it.
  const again = await serve(t, ['--rate-limit', '2000', '--listen', `127.0.0.1:${new URL(server.url).port}`]);
  const more = await again.client.post(acct, `${again.server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: 'more.example.test' }] });
  isProblem(more, 'rateLimited', 429);
});

test('one account cannot spend the budget of the address it shares: its own flood is rateLimited, another account is served', async (t) => {
  // --rate-limit 20: each account 20 requests a minute, the address 80.
  const { client } = await serve(t, ['--rate-limit', '20']);
  const greedy = await client.register();
  const answers = [];
  for (let i = 0; i < 30; i++) answers.push(await client.post(greedy, greedy.kid, ''));
  assert.equal(answers[0].status, 200, answers[0].text);
  const refused = answers.filter((r) => r.status === 429);
  assert.ok(refused.length >= 9, `the account's own bucket ran out (${refused.length} refused)`);
  isProblem(refused[0], 'rateLimited', 429);
  assert.ok(Number(refused[0].headers['retry-after']) >= 1);
  const polite = await client.register();
  const r = await client.post(polite, polite.kid, '');
  assert.equal(r.status, 200, r.text);
});

test('an address flooding /acme/ is refused as rateLimited, with Retry-After and a fresh nonce', async (t) => {
  // --rate-limit 5: the address gets 20 requests a minute, for ACME as for the rest.
  const { server } = await serve(t, ['--rate-limit', '5']);
  const answers = [];
  for (let i = 0; i < 30; i++) answers.push(await https(`${server.url}/acme/new-nonce`, { method: 'HEAD', ca: f('ca.crt') }));
  const refused = answers.filter((r) => r.status === 429);
  assert.ok(refused.length >= 9, `the address's bucket ran out (${refused.length} refused)`);
  assert.ok(refused[0].headers['replay-nonce']);
  assert.ok(Number(refused[0].headers['retry-after']) >= 1);
  isProblem(await https(`${server.url}/acme/directory`, { ca: f('ca.crt') }), 'rateLimited', 429);
});

test('ACME refusals are in the audit log by type and account, never with request text, and 1,000 of them write a few lines', async (t) => {
  const { server, client } = await serve(t);
  const acct = await client.register();
  const id = acct.kid.split('/').pop();
  // A refused finalize: the order is not ready.
  const order = await client.post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: 'fin.example.test' }] });
  isProblem(await client.post(acct, order.data.finalize, { csr: 'AAAA' }), 'orderNotReady', 403);
  // A name outside --acme-allow: the name must not reach the log.
  isProblem(await client.post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: 'secret-project.bank.example' }] }), 'rejectedIdentifier', 400);
  // A bad signature: no account is known.
  isProblem(await client.post(acct, `${server.url}/acme/new-order`, { identifiers: [{ type: 'dns', value: 'x.example.test' }] }, { badSignature: true }), 'malformed', 400);
  let lines = auditLines(server.log()).filter((l) => l.event === 'refused');
  for (let i = 0; i < 50 && lines.length < 3; i++) {
    await new Promise((r) => setTimeout(r, 50));
    lines = auditLines(server.log()).filter((l) => l.event === 'refused');
  }
  assert.deepEqual(lines.map((l) => [l.route, l.code, l.status, l.credential]), [
    ['acme-finalize', 'orderNotReady', 403, `acme:${id}`],
    ['acme-new-order', 'rejectedIdentifier', 400, `acme:${id}`],
    ['acme-new-order', 'malformed', 400, null],
  ]);
  assert.doesNotMatch(server.log(), /secret-project/);

  // 1,000 bad signatures (the nonce is never spent: the signature is checked first).
  const stranger = acmeAccount();
  const n = await client.nonce();
  const answers = await pool(1000, 16, () => client.post(stranger, `${server.url}/acme/new-account`, { termsOfServiceAgreed: true }, { nonce: n, badSignature: true }));
  assert.ok(answers.every((r) => r.status === 400 && r.data.type === 'urn:ietf:params:acme:error:malformed'));
  await server.stop();
  const all = auditLines(server.log());
  // 10 lines a minute from one address (20 if the minute turned meanwhile); the rest counted in summaries.
  const refusedLines = all.filter((l) => l.event === 'refused');
  assert.ok(refusedLines.length >= 10 && refusedLines.length <= 20, `${refusedLines.length} refusal lines`);
  const notLogged = all.filter((l) => l.event === 'refused-summary' && l.client === '127.0.0.1').reduce((n, l) => n + l.notLogged, 0);
  assert.equal(refusedLines.length + notLogged, 1003, 'every refusal is a line or counted in a summary');
});
