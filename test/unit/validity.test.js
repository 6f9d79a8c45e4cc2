import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeValidity, parseLifetime, BACKDATE_MS } from '../../dist/pki/validity.js';
import { CaError } from '../../dist/error.js';

const NOW = new Date('2026-01-01T00:00:00Z');

test('notBefore is backdated 5 minutes; days count from now', () => {
  const v = computeValidity(NOW, { days: 825 });
  assert.equal(v.notBefore.toISOString(), '2025-12-31T23:55:00.000Z');
  assert.equal(v.notAfter.toISOString(), '2028-04-05T00:00:00.000Z');
  assert.equal(v.clamped, false);
  assert.equal(BACKDATE_MS, 300000);
});

test('years are calendar years', () => {
  assert.equal(computeValidity(NOW, { years: 10 }).notAfter.toISOString(), '2036-01-01T00:00:00.000Z');
});

test("a certificate is clamped to the CA's notAfter and says so", () => {
  const caEnd = new Date('2027-01-01T00:00:00Z');
  const v = computeValidity(NOW, { days: 825 }, caEnd);
  assert.equal(v.notAfter.toISOString(), caEnd.toISOString());
  assert.equal(v.clamped, true);
});

test('zero, negative, fractional, non-numeric and beyond-9999 lifetimes are usage errors', () => {
  const usage = (err) => err instanceof CaError && err.kind === 'usage';
  for (const bad of ['0', '-1', '1.5', 'abc', '']) {
    assert.throws(() => parseLifetime(bad, undefined, NOW), usage, `--days ${bad}`);
    assert.throws(() => parseLifetime(undefined, bad, NOW), usage, `--years ${bad}`);
  }
  assert.throws(() => parseLifetime('1', '1', NOW), /cannot be used together/);
  assert.throws(() => computeValidity(NOW, { years: 8000 }), /9999-12-31/);
  assert.throws(() => parseLifetime(undefined, '7974', NOW), (err) => err instanceof CaError && err.kind === 'usage' && /9999-12-31/.test(err.message));
  assert.deepEqual(parseLifetime(undefined, '7973', NOW), { years: 7973 });
  assert.deepEqual(parseLifetime('30', undefined, NOW), { days: 30 });
  assert.equal(parseLifetime(undefined, undefined, NOW), undefined);
});
