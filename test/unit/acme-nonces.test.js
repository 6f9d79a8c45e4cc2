// Replay-Nonce values (RFC 8555 6.5) and the JWS url check (6.4), with a fixed clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NONCES, MemoryNonceStore, NONCE_LIFETIME_MS } from '../../dist/server/acme/nonces.js';
import { checkJwsUrl, requestUrl } from '../../dist/server/acme/url.js';
import { AcmeProblem } from '../../dist/server/acme/problem.js';

const isProblem = (type) => (err) => err instanceof AcmeProblem && err.type === type;

test('a nonce is 128 random bits in base64url, and each one issued is new', async () => {
  const nonces = new MemoryNonceStore();
  const seen = new Set();
  for (let i = 0; i < 1000; i++) {
    const n = await nonces.issue();
    assert.match(n, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(Buffer.from(n, 'base64url').length, 16);
    seen.add(n);
  }
  assert.equal(seen.size, 1000);
});

test('a nonce is taken once: replayed, or never issued, it is badNonce', async () => {
  const nonces = new MemoryNonceStore();
  const n = await nonces.issue();
  await nonces.consume(n);
  await assert.rejects(nonces.consume(n), isProblem('badNonce'));
  await assert.rejects(nonces.consume('AAAAAAAAAAAAAAAAAAAAAA'), isProblem('badNonce'));
  // Another server's nonce (another store) is unknown here.
  await assert.rejects(nonces.consume(await new MemoryNonceStore().issue()), isProblem('badNonce'));
});

test('a nonce expires after its lifetime, and is gone once refused', async () => {
  let now = 1_000_000;
  const nonces = new MemoryNonceStore({ now: () => now });
  const a = await nonces.issue();
  const b = await nonces.issue();
  now += NONCE_LIFETIME_MS - 1;
  await nonces.consume(a);
  now += 1;
  await assert.rejects(nonces.consume(b), (e) => isProblem('badNonce')(e) && /expired/.test(e.message));
  assert.equal(nonces.size, 0);
});

test('outstanding nonces are bounded: past the bound the oldest is dropped', async () => {
  const nonces = new MemoryNonceStore({ max: 3 });
  const issued = [];
  for (let i = 0; i < 5; i++) issued.push(await nonces.issue());
  assert.equal(nonces.size, 3);
  await assert.rejects(nonces.consume(issued[0]), isProblem('badNonce'));
  await assert.rejects(nonces.consume(issued[1]), isProblem('badNonce'));
  for (const n of issued.slice(2)) await nonces.consume(n);
  const big = new MemoryNonceStore();
  for (let i = 0; i < MAX_NONCES + 100; i++) await big.issue();
  assert.equal(big.size, MAX_NONCES);
});

test('the request URL is the base URL with the request path, the port kept', () => {
  assert.equal(requestUrl('https://ca.test:8443', '/acme/new-order'), 'https://ca.test:8443/acme/new-order');
  assert.equal(requestUrl('https://ca.test:8443/', '/acme/new-order'), 'https://ca.test:8443/acme/new-order');
  assert.equal(requestUrl(new URL('https://CA.test:443'), '/acme/new-order'), 'https://ca.test/acme/new-order');
  assert.equal(requestUrl('https://127.0.0.1:14000/prefix/', '/acme/order/1'), 'https://127.0.0.1:14000/prefix/acme/order/1');
  assert.equal(requestUrl('https://[::1]:8443', '/acme/x'), 'https://[::1]:8443/acme/x');
  assert.throws(() => requestUrl('https://ca.test:8443', 'http://evil/acme'), isProblem('malformed'));
});

test('a JWS url is taken only when it is the request URL exactly: port, scheme, host and path', () => {
  const expected = requestUrl('https://ca.test:8443', '/acme/new-order');
  checkJwsUrl('https://ca.test:8443/acme/new-order', expected);
  for (const other of [
    'https://ca.test/acme/new-order', // without the port
    'https://ca.test:443/acme/new-order',
    'https://ca.test:8444/acme/new-order',
    'http://ca.test:8443/acme/new-order',
    'https://other.test:8443/acme/new-order',
    'https://ca.test:8443/acme/new-order/',
    'https://ca.test:8443/acme/revoke-cert',
    'https://ca.test:8443/acme/new-order?x=1',
    'https://CA.test:8443/acme/new-order',
  ]) {
    assert.throws(() => checkJwsUrl(other, expected), isProblem('unauthorized'), other);
  }
  // A server on the default port: the URL it gives out has no port, and that is the one taken.
  const onDefault = requestUrl('https://ca.test', '/acme/new-order');
  checkJwsUrl('https://ca.test/acme/new-order', onDefault);
  assert.throws(() => checkJwsUrl('https://ca.test:8443/acme/new-order', onDefault), isProblem('unauthorized'));
});
