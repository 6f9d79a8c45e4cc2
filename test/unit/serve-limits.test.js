// The server's bounds as pure functions: the key a client address is counted under, token buckets
// whose map stays bounded under a flood of new keys, and refusal lines bounded per address with a
// summary that counts the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressKey, MAX_BUCKETS, RateLimiter } from '../../dist/server/limits.js';
import { ALL_LINES_PER_MINUTE, LINES_PER_MINUTE, RefusalLog } from '../../dist/server/refusals.js';

test('addresses: IPv4 as itself, IPv4-mapped IPv6 as IPv4, IPv6 by its /64 in any spelling', () => {
  assert.equal(addressKey('10.0.0.7'), '10.0.0.7');
  assert.equal(addressKey('::ffff:10.0.0.7'), '10.0.0.7');
  assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0DB8:0001:0002::9'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
  assert.equal(addressKey(undefined), 'unknown');
});

test('a token bucket: perMinute at once, then refilled evenly; the map never holds more than its bound', () => {
  const limiter = new RateLimiter(3);
  const t0 = 1_000_000;
  assert.deepEqual([0, 1, 2, 3].map(() => limiter.take('a', t0)), [undefined, undefined, undefined, 20]);
  assert.equal(limiter.take('a', t0 + 20_000), undefined, 'one request back after 20 s');
  for (let i = 0; i < MAX_BUCKETS + 50; i++) limiter.take(`k${i}`, t0);
  assert.equal(limiter.buckets.size, MAX_BUCKETS);
});

test('refusal lines: LINES_PER_MINUTE per address a minute, then one summary with the count of the rest', () => {
  const lines = [];
  const log = Object.assign((e) => lines.push(e), { close: async () => undefined });
  const refusals = new RefusalLog(log);
  const t0 = Date.parse('2026-12-07T00:00:00Z');
  for (let i = 0; i < 100; i++) refusals.refused('10.0.0.9', { event: 'refused', status: 401 }, t0 + i);
  refusals.refused('10.0.0.8', { event: 'refused', status: 403 }, t0);
  assert.equal(lines.length, LINES_PER_MINUTE + 1);
  refusals.refused('10.0.0.9', { event: 'refused', status: 401 }, t0 + 61_000); // the next minute
  assert.deepEqual(lines.at(-2), { event: 'refused-summary', client: '10.0.0.9', notLogged: 100 - LINES_PER_MINUTE, since: new Date(t0).toISOString() });
  assert.equal(lines.at(-1).status, 401);
  refusals.close();
  assert.equal(lines.filter((l) => l.event === 'refused-summary').length, 1, 'nothing left to sum up');
});

test('refusal lines from all addresses together stop at ALL_LINES_PER_MINUTE: rotating addresses gets no fresh budget', () => {
  const lines = [];
  const log = Object.assign((e) => lines.push(e), { close: async () => undefined });
  const refusals = new RefusalLog(log);
  const t0 = Date.parse('2026-12-07T00:00:00Z');
  // 30,000 refusals from 30,000 /64s within one minute (more addresses than are followed).
  for (let i = 0; i < 30_000; i++) refusals.refused(`2001:db8:0:${i.toString(16)}::`, { event: 'refused', status: 401 }, t0 + i);
  refusals.close();
  const refused = lines.filter((l) => l.event === 'refused');
  assert.equal(refused.length, ALL_LINES_PER_MINUTE);
  const all = lines.find((l) => l.event === 'refused-summary' && l.client === '*');
  assert.equal(all.notLogged, 30_000 - ALL_LINES_PER_MINUTE);
});
