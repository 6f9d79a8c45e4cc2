import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameFromCommonName, validateName, validateNewName } from '../../dist/pki/name.js';
import { Layout } from '../../dist/store/layout.js';
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

test('names clusterca gives itself are refused for anything new; an existing one can still be named', () => {
  assert.throws(() => validateNewName('ca-server'), (err) => err instanceof CaError && err.kind === 'usage' && /reserved for the certificate of `ca serve`/.test(err.message));
  assert.equal(validateName('ca-server'), 'ca-server', '`ca show ca-server` names the one the server made');
  assert.equal(validateNewName('web1'), 'web1');
});

test("a name made from a request's CN: unsafe characters become -, cut to 48, then 8 hex digits of the serial", () => {
  const serial = '3f2a9c1b77aa00112233445566778899';
  assert.equal(nameFromCommonName('Your Name', serial), 'Your-Name-3f2a9c1b');
  assert.equal(nameFromCommonName('../../ca', serial), 'ca-3f2a9c1b');
  assert.equal(nameFromCommonName('', serial), 'cert-3f2a9c1b');
  assert.equal(nameFromCommonName('x'.repeat(100), serial), `${'x'.repeat(48)}-3f2a9c1b`);
  assert.equal(nameFromCommonName('Jürgen', serial), 'J-rgen-3f2a9c1b');
});

test('the store makes no path from anything but a name, whatever the use case let through', () => {
  const layout = new Layout('/store');
  for (const bad of ['../ca', '../../../somewhere/file', 'bad name', 'a/b', '', '.x']) {
    for (const make of [(n) => layout.cert(n), (n) => layout.key(n), (n) => layout.csr(n)]) {
      assert.throws(() => make(bad), (err) => err instanceof CaError && /refusing to make a path in the store/.test(err.message), JSON.stringify(bad));
    }
  }
  assert.throws(() => layout.issued('../ca'), CaError);
  assert.throws(() => layout.pendingKey('../ca.key'), CaError);
  assert.throws(() => layout.csr('ca'), /the CA's own/);
  assert.equal(layout.cert('web1').path, '/store/certs/web1.crt');
  assert.equal(layout.key('ca').path, '/store/ca.key', "the CA's own key, for the CA's own renewal");
});
