import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateName } from '../../dist/pki/name.js';
import { CaError } from '../../dist/error.js';

test('store names: letters, digits, dot, underscore, hyphen, 1-64 chars, starting alphanumeric', () => {
  for (const ok of ['server1', 'a', 'etcd-1.local', 'node_7', 'X'.repeat(64), 'a..b']) {
    assert.equal(validateName(ok), ok);
  }
});

test('store names: path tricks, control characters, reserved and oversize names are usage errors', () => {
  for (const bad of ['', '../x', 'a/b', '..', '.hidden', '-x', 'a\nb', 'a\x00b', 'ca', 'CA', 'X'.repeat(65), 'a b', 'é']) {
    assert.throws(
      () => validateName(bad),
      (err) => err instanceof CaError && err.kind === 'usage',
      `expected ${JSON.stringify(bad)} to be refused`,
    );
  }
});
