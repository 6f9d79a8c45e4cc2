import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomSerial } from '../../dist/pki/serial.js';

test('serials are 128 bits, positive as a DER INTEGER, minimally encoded, and unique', () => {
  const seen = new Set();
  for (let i = 0; i < 2000; i++) {
    const hex = randomSerial((s) => seen.has(s));
    assert.equal(hex.length, 32);
    const first = parseInt(hex.slice(0, 2), 16);
    assert.ok(first > 0 && first < 0x80, `first octet ${first} keeps the integer positive and minimal`);
    assert.ok(!seen.has(hex));
    seen.add(hex);
  }
});

test('a serial the index already holds is drawn again until a free one comes', () => {
  const asked = [];
  const hex = randomSerial((s) => {
    asked.push(s);
    return asked.length <= 5; // the first five are "taken"
  });
  assert.equal(asked.length, 6);
  assert.equal(hex, asked[5]);
  assert.equal(new Set(asked).size, 6);
});
