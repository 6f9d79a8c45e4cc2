// The life of ACME orders and authorizations (RFC 8555 7.1.6), the caps on what one account may
// have open, and pruning, with the clock given explicitly: an order a week old, a certificate long
// expired, a restart days later. On a MemoryAcmeState, then on a real store (journal op acme-remove).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_OPEN_AUTHORIZATIONS, MAX_OPEN_ORDERS, openOrdersOf } from '../../dist/ca/acme/lifecycle.js';
import { newAccount } from '../../dist/ca/acme/accounts.js';
import { answerChallenge, authorizationOf, finalize, newOrder, orderOf } from '../../dist/ca/acme/orders.js';
import { allowList } from '../../dist/ca/acme/policy.js';
import { MemoryAcmeState, StoreAcmeState } from '../../dist/ca/acme/state.js';
import { openService } from '../../dist/ca/service.js';
import { ACME_KEEP_MS, prunableAcme, validateAcmeRemoval, withoutAcmeRecords } from '../../dist/store/acme-records.js';
import { caOk, needs, run, storeIndex, tempDir } from '../helpers/ca.js';

const DAY = 86_400_000;
const T0 = new Date('2026-12-01T00:00:00Z');
const at = (ms) => new Date(T0.getTime() + ms);

/** The use cases over `state`, for a CA without constraints allowing example.test. */
function acmeOver(state, service = { authority: { constraints: [] } }) {
  return { service, state, allow: allowList(['example.test'], []), profile: 'server', days: 90, validation: { httpPort: 1 } };
}

async function accountIn(acme) {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return (await newAccount(acme, { jwk, payload: { termsOfServiceAgreed: true } })).account;
}

const names = (...v) => ({ identifiers: v.map((value) => ({ type: 'dns', value })) });

async function refusedAs(promise, type) {
  await assert.rejects(promise, (err) => err.type === type || assert.fail(`${err.type}: ${err.message}`));
}

test('an order past expires is invalid and cannot be finalized; its authorization is expired and is not validated', async () => {
  const acme = acmeOver(new MemoryAcmeState());
  const account = await accountIn(acme);
  const order = await newOrder(acme, account, names('a.example.test'), T0);
  assert.equal(order.expires, at(7 * DAY).toISOString());
  assert.equal((await orderOf(acme, account, order.id, at(7 * DAY - 1))).status, 'pending');
  assert.equal(authorizationOf(acme, account, order.authorizations[0], at(7 * DAY)).status, 'expired');
  const late = at(7 * DAY);
  assert.equal((await orderOf(acme, account, order.id, late)).status, 'invalid');
  await assert.rejects(finalize(acme, account, order.id, Buffer.alloc(0), late), (err) => err.type === 'orderNotReady' && /expired/.test(err.message));
  // The challenge of an expired authorization is not tried (validation would reach out: port 1).
  const authz = await answerChallenge(acme, account, order.authorizations[0], 'http-01', late);
  assert.equal(authz.status, 'expired');
  assert.equal(authz.challenges[0].status, 'pending');
});

test('a ready order past expires is invalid too; a valid order stays valid', async () => {
  const state = new MemoryAcmeState();
  const acme = acmeOver(state);
  const account = await accountIn(acme);
  const ready = await newOrder(acme, account, names('r.example.test'), T0);
  const authz = state.authorization(ready.authorizations[0]);
  await state.put([{ kind: 'authz', ...authz, status: 'valid' }]);
  assert.equal((await orderOf(acme, account, ready.id, at(DAY))).status, 'ready');
  assert.equal((await orderOf(acme, account, ready.id, at(8 * DAY))).status, 'invalid');
  const done = await newOrder(acme, account, names('v.example.test'), T0);
  await state.put([{ kind: 'order', ...state.order(done.id), status: 'valid', serial: '5a17' }]);
  assert.equal((await orderOf(acme, account, done.id, at(30 * DAY))).status, 'valid');
});

test(`an account may have ${MAX_OPEN_ORDERS} open orders: the next is rateLimited with Retry-After, until some expire`, async () => {
  const acme = acmeOver(new MemoryAcmeState());
  const account = await accountIn(acme);
  for (let i = 0; i < MAX_OPEN_ORDERS; i++) await newOrder(acme, account, names(`n${i}.example.test`), at(i * 1000));
  const refused = await newOrder(acme, account, names('one-more.example.test'), at(DAY)).catch((e) => e);
  assert.equal(refused.type, 'rateLimited');
  assert.match(refused.message, /finalize them, or wait/);
  // The first order expires at T0 + 7 days: asked a day in, that is 6 days away.
  assert.equal(refused.retryAfter, 6 * 86_400);
  // Another account is not affected.
  await newOrder(acme, await accountIn(acme), names('other.example.test'), at(DAY));
  // Once the first has expired, there is room for one.
  await newOrder(acme, account, names('later.example.test'), at(7 * DAY));
  await refusedAs(newOrder(acme, account, names('later2.example.test'), at(7 * DAY)), 'rateLimited');
});

test(`an account may have ${MAX_OPEN_AUTHORIZATIONS} pending authorizations, and an order whose authorization failed is not open`, async () => {
  const state = new MemoryAcmeState();
  const acme = acmeOver(state);
  const account = await accountIn(acme);
  const big = (k) => ({ identifiers: Array.from({ length: 100 }, (_, i) => ({ type: 'dns', value: `h${i}.o${k}.example.test` })) });
  const orders = [];
  for (let k = 0; k < MAX_OPEN_AUTHORIZATIONS / 100; k++) orders.push(await newOrder(acme, account, big(k), T0));
  await refusedAs(newOrder(acme, account, names('x.example.test'), T0), 'rateLimited');
  // One authorization of the first order fails: that order is invalid, its 99 others no longer count.
  const failed = state.authorization(orders[0].authorizations[0]);
  await state.put([{ kind: 'authz', ...failed, status: 'invalid' }]);
  for (const id of orders[0].authorizations.slice(1)) await state.put([{ kind: 'authz', ...state.authorization(id), status: 'deactivated' }]);
  await newOrder(acme, account, names('x.example.test'), T0);
  assert.equal(openOrdersOf(acme.state, account, T0, 0, 100).ids.includes(orders[0].id), false);
});

test('the orders list gives the open orders, a page at a time', async () => {
  const acme = acmeOver(new MemoryAcmeState());
  const account = await accountIn(acme);
  const made = [];
  for (let i = 0; i < 7; i++) made.push((await newOrder(acme, account, names(`p${i}.example.test`), at(i))).id);
  const first = openOrdersOf(acme.state, account, at(10), 0, 3);
  const last = openOrdersOf(acme.state, account, at(10), 2, 3);
  assert.deepEqual(first, { ids: made.slice(0, 3), more: true });
  assert.deepEqual(last, { ids: made.slice(6), more: false });
  assert.deepEqual(openOrdersOf(acme.state, account, at(7 * DAY + 2), 0, 10).ids, made.slice(3), 'expired orders are not listed');
});

test('pruning: expired orders and authorizations go a day after they expire; a valid order stays while its certificate is in force', async () => {
  const ends = new Map([['5a17', at(90 * DAY).toISOString()]]);
  const state = new MemoryAcmeState((serial) => ends.get(serial));
  const acme = acmeOver(state);
  const account = await accountIn(acme);
  const open = await newOrder(acme, account, names('o.example.test'), T0);
  const done = await newOrder(acme, account, names('d.example.test'), T0);
  await state.put([{ kind: 'order', ...state.order(done.id), status: 'valid', serial: '5a17' }]);
  assert.equal(await state.prune(at(7 * DAY + ACME_KEEP_MS - 1)), 0);
  assert.ok(state.order(open.id), 'kept a day past expiry: a late client reads invalid, not 404');
  // Pruning is looked for once an hour at most.
  assert.equal(await state.prune(at(7 * DAY + ACME_KEEP_MS + 1)), 0);
  assert.equal(await state.prune(at(8 * DAY + 3_600_000)), 3, 'the open order and both authorizations');
  assert.equal(state.order(open.id), undefined);
  assert.equal(state.authorization(open.authorizations[0]), undefined);
  assert.equal(state.orderWithSerial('5a17')?.id, done.id, 'revokeCert by the account still finds its order');
  assert.equal(state.unfinishedOrders(account.id).length, 0);
  assert.equal(await state.prune(at(91 * DAY + ACME_KEEP_MS)), 1);
  assert.equal(state.orderWithSerial('5a17'), undefined);
});

test('a removal is validated like every journal op, and removes only what it names', () => {
  const ID = 'CVtySlh5YjA3NfSOEu7qMA';
  assert.deepEqual(validateAcmeRemoval({ orders: [ID], authorizations: [] }, 'change #1', 'journal'), { orders: [ID], authorizations: [] });
  assert.throws(() => validateAcmeRemoval({ orders: ['../x'], authorizations: [] }, 'change #1', 'journal'), /is damaged/);
  assert.throws(() => validateAcmeRemoval({ orders: [ID] }, 'change #1', 'journal'), /is damaged/);
  const records = { accounts: [], orders: [{ id: ID }, { id: `${ID}x` }], authorizations: [{ id: ID }] };
  assert.deepEqual(withoutAcmeRecords(records, { orders: [ID], authorizations: [] }), { accounts: [], orders: [{ id: `${ID}x` }], authorizations: [{ id: ID }] });
  assert.deepEqual(prunableAcme(undefined, T0, () => undefined), { orders: [], authorizations: [] });
});

test('on a store: a restart 9 days later prunes in one journal record; the certificate\'s order is kept; the store reads back whole', { skip: needs('openssl', 'openssl') }, async (t) => {
  const dir = tempDir(t, 'clusterca-acme-prune-');
  caOk(dir, ['init', '--key-type', 'ecdsa', 'prune-ca']);
  const storeDir = join(dir, '.ca');
  const service = await openService({ storeDir, now: new Date() });
  const now = new Date();
  const acme = acmeOver(await StoreAcmeState.open(service.store, now), service);
  const account = await accountIn(acme);
  const stale = await newOrder(acme, account, names('stale.example.test'), now);
  const issued = await newOrder(acme, account, names('issued.example.test'), now);
  const authz = acme.state.authorization(issued.authorizations[0]);
  await acme.state.put([{ kind: 'authz', ...authz, status: 'valid' }]);
  const csr = join(dir, 'csr.der');
  const g = run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-subj', '/', '-addext', 'subjectAltName=DNS:issued.example.test', '-outform', 'DER', '-out', csr]);
  assert.equal(g.status, 0, g.stderr);
  const { issued: cert } = await finalize(acme, account, issued.id, readFileSync(csr), now);

  const later = new Date(now.getTime() + 9 * DAY);
  const reopened = await StoreAcmeState.open((await openService({ storeDir, now: later })).store, later);
  assert.equal(reopened.order(stale.id), undefined);
  assert.equal(reopened.orderWithSerial(cert.entry.serial)?.id, issued.id);
  const index = storeIndex(storeDir);
  assert.deepEqual(index.acme.orders.map((o) => o.id), [issued.id]);
  assert.deepEqual(index.acme.authorizations, []);
  assert.equal(index.acme.accounts.length, 1);
  const journal = readFileSync(join(storeDir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const removals = journal.flatMap((r) => r.ops).filter((op) => op.op === 'acme-remove');
  assert.equal(removals.length, 1);
  assert.deepEqual(removals[0].removal.orders, [stale.id]);
  // Nothing more to prune: another start writes nothing.
  const lines = journal.length;
  await StoreAcmeState.open((await openService({ storeDir, now: later })).store, later);
  assert.equal(readFileSync(join(storeDir, 'journal.jsonl'), 'utf8').trim().split('\n').length, lines);
  caOk(dir, ['doctor']);
});
