import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COUNTRY_COUNT, parseCountry } from '../../dist/pki/country.js';

test('ISO 3166-1 alpha-2: the 249 assigned codes, case-insensitive', () => {
  assert.equal(COUNTRY_COUNT, 249);
  assert.equal(parseCountry('de'), 'DE');
  assert.equal(parseCountry('US'), 'US');
});

test('unassigned, reserved and malformed codes are refused', () => {
  for (const bad of ['UK', 'EU', 'ZZ', 'XX', 'USA', 'D', '', '12']) assert.throws(() => parseCountry(bad), /ISO 3166/, bad);
  assert.throws(() => parseCountry('UK'), (err) => /United Kingdom is GB/.test(err.hint));
});
