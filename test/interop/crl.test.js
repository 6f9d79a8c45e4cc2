// The CRL judged by OpenSSL: its signature verifies against ca.crt, `verify -crl_check` rejects a
// revoked certificate and accepts the others, and the CRL number grows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { caOk, needs, run, tempDir } from '../helpers/ca.js';

const skip = needs('openssl', 'openssl');

test('openssl crl -CAfile verifies the CRL; verify -crl_check rejects the revoked and accepts the rest', { skip }, (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  for (const u of ['alice', 'bob']) caOk(dir, ['create-api-certificate', u]);
  caOk(dir, ['create-node-certificate', '--name', 'n1', '--ip', '10.0.0.1']);
  caOk(dir, ['revoke', '--reason', 'keyCompromise', 'alice']);
  const crl = join(dir, '.ca/crl.pem');
  const ca = join(dir, '.ca/ca.crt');
  const check = run('openssl', ['crl', '-in', crl, '-CAfile', ca, '-noout']);
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout + check.stderr, /verify OK/);
  const text = run('openssl', ['crl', '-in', crl, '-noout', '-text']).stdout;
  assert.match(text, /Version 2 \(0x1\)/);
  assert.match(text, /X509v3 Authority Key Identifier/);
  assert.match(text, /X509v3 CRL Number: \n\s+1\n/);
  assert.match(text, /X509v3 CRL Reason Code: \n\s+Key Compromise/);

  const verify = (name) => run('openssl', ['verify', '-crl_check', '-CRLfile', crl, '-CAfile', ca, join(dir, name)]);
  const revoked = verify('alice.crt');
  assert.notEqual(revoked.status, 0);
  assert.match(revoked.stdout + revoked.stderr, /certificate revoked/);
  for (const ok of ['bob.crt', 'n1.crt']) assert.equal(verify(ok).status, 0, ok);

  caOk(dir, ['revoke', 'bob']);
  const printed = caOk(dir, ['crl', '--days', '7']).out;
  assert.match(printed, /^-----BEGIN X509 CRL-----\n/);
  const number = run('openssl', ['crl', '-in', crl, '-noout', '-crlnumber']).stdout.trim();
  assert.equal(number, 'crlNumber=0x03', 'revoke, revoke, crl: the number grew each time');
  assert.notEqual(verify('bob.crt').status, 0);
  assert.equal(verify('n1.crt').status, 0);
  const next = run('openssl', ['crl', '-in', crl, '-noout', '-nextupdate', '-lastupdate']).stdout;
  const [nextUpdate, lastUpdate] = next.trim().split('\n').map((l) => new Date(l.split('=')[1]));
  assert.equal(Math.round((nextUpdate - lastUpdate) / 864e5), 7);
});
