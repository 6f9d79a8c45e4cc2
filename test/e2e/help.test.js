// Help and usage as a new user meets them: help text wrapped at word boundaries, `ca help COMMAND`,
// one-line usage errors in the flag's own words, and every missing secret a usage error (exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ca, caOk, tempDir } from '../helpers/ca.js';

/** Exit status 2 and one line on stderr matching `pattern`, no stack. */
function usage(r, pattern) {
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\\u000a|\n\s+at /);
}

test('help text breaks lines between words, never inside one', (t) => {
  const dir = tempDir(t);
  const words = {
    'new-cert': ['etcd1.local', 'spiffe://cluster.local/ns/web/sa/api'],
    revoke: ['privilegeWithdrawn', 'affiliationChanged', 'cessationOfOperation'],
    export: ['kubernetes.io/tls', 'cert.pem,'],
    serve: ['--api-ca-file'],
  };
  for (const [command, expected] of Object.entries(words)) {
    const help = caOk(dir, [command, '--help']).out;
    for (const w of expected) assert.ok(help.includes(w), `${command} --help keeps ${w} whole:\n${help}`);
  }
  // The example's last word went to the next line whole, not as "etc" and "d1".
  assert.match(caOk(dir, ['new-cert', '--help']).out, /--domain etcd1\.local(\s+a cluster member \(peer\))?\s+etcd1\b/);
});

test('`ca help COMMAND` is `ca COMMAND --help`; an unknown one is named', (t) => {
  const dir = tempDir(t);
  assert.equal(caOk(dir, ['help', 'export']).out, caOk(dir, ['export', '--help']).out);
  assert.equal(caOk(dir, ['help']).out, caOk(dir, ['--help']).out);
  usage(ca(dir, ['help', 'exprot']), /there is no command "exprot"/);
});

test('help and the version are written to stdout whole, with nothing on stderr', (t) => {
  const dir = tempDir(t);
  const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  const v = caOk(dir, ['--version']);
  assert.equal(v.out, `${version}\n`);
  assert.equal(v.stderr, '');
  for (const argv of [['--help'], ['list', '--help'], ['token', 'create', '--help'], ['help', 'sign']]) {
    const r = caOk(dir, argv);
    assert.equal(r.stderr, '', argv.join(' '));
    assert.match(r.out, /^ca /, argv.join(' '));
    assert.match(r.out, /--store\b[\s\S]*\n$/, `${argv.join(' ')} ends with its options and one newline`);
    assert.doesNotMatch(r.out, /\n\n$/, argv.join(' '));
  }
});

test('usage errors say what was wrong in the flag\'s words', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa']);
  usage(ca(dir, ['export', '--format', 'zip']), /invalid --format "zip": choose tar, pem, p12, k8s, docker/);
  usage(ca(dir, ['status', '--within', 'abc']), /invalid --within "abc"; --within takes a whole number/);
  usage(ca(dir, ['-v']), /-v is not an option of ca \(--version prints the version, --verbose adds stack traces\), and no command was given/);
  usage(ca(dir, ['completion', 'tcsh']), /invalid SHELL "tcsh": choose bash, zsh, fish/);
});

test('a missing argument is named as the command\'s help names it', (t) => {
  const dir = tempDir(t);
  for (const [args, said] of [
    [['new-cert'], '`ca new-cert` needs a NAME'],
    [['verify'], '`ca verify` needs a FILE'],
    [['create-api-certificate'], '`ca create-api-certificate` needs a USER'],
    [['create-control-certificate'], '`ca create-control-certificate` needs a HOST'],
    [['trust'], '`ca trust` needs an ACTION'],
    [['token'], '`ca token` needs an ACTION'],
    [['--store', 'elsewhere', 'token', 'revoke'], '`ca token revoke` needs an ID'],
  ]) {
    usage(ca(dir, args), new RegExp(said.replace(/[`]/g, '.')));
  }
});

test('a missing secret is a usage error (exit 2), whichever secret it is', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'pass'), 'the CA passphrase\n');
  caOk(dir, ['init', '--key-type', 'ecdsa', '--passphrase-file', 'pass']);
  usage(ca(dir, ['create-api-certificate', 'alice']), /the CA key is encrypted and no passphrase was given; pass --ca-passphrase/);
  caOk(dir, ['create-api-certificate', '--ca-passphrase-file', 'pass', 'alice']);
  usage(ca(dir, ['export', 'alice', '--out', 'alice.p12']), /a PKCS#12 file needs a password/);
  usage(ca(dir, ['export', '--include-ca-key', '--insecure', '--out', 'ca.tar']), /the CA key is encrypted and no passphrase was given/);
});
