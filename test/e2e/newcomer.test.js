// A newcomer's first hour, as they met it: hints that must be followed as printed (and so must
// name the store they were given), mkcert's `new-cert localhost && sign localhost`, and the
// command-line mistakes everyone makes (a mistyped flag, a missing NAME, a shell ca has no script for).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CA_BIN, ca, caOk, needs, run, tempDir, treeDigest } from '../helpers/ca.js';

/** The first `ca …` command quoted in a line of `text` that starts with `prefix`, as printed. */
function quoted(text, pattern) {
  const m = pattern.exec(text);
  assert.ok(m, `no hint matching ${pattern} in:\n${text}`);
  return m[1];
}

/** Runs a hint as the user would paste it into a shell, with `ca` being this checkout's. */
function follow(dir, command, env = {}) {
  const r = spawnSync('bash', ['-c', `ca() { "${process.execPath}" "${CA_BIN}" "$@"; }\n${command}`], { cwd: dir, encoding: 'utf8', env: { ...process.env, CA_STORE: '', ...env } });
  assert.equal(r.status, 0, `${command}\n${r.stderr}`);
  return r;
}

test('hints name the store the command was given: followed as printed, they reach the same CA', { skip: needs('openssl', 'openssl') }, (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '-q', '--key-type', 'ecdsa', 'default-ca']); // a CA in ./.ca too: the wrong anchor to ship
  const init = caOk(dir, ['init', '--store', 'prod', '--key-type', 'ecdsa', 'prod-ca']);
  assert.match(init.stderr, /`ca --store prod new-cert --ip 10\.0\.0\.1 server1` then `ca --store prod sign server1`/);
  const made = caOk(dir, ['--store', 'prod', 'create-node-certificate', '--ip', '10.0.0.5']);
  const hint = quoted(made.stderr, /\(`(ca --store prod export \| tar xvf -)`\)/);
  follow(dir, hint);
  const node = made.out.trim().split('\n')[0];
  const r = run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, node)]);
  assert.equal(r.status, 0, `the exported anchor is prod's: ${r.stderr}`);

  // From CA_STORE, the hint carries CA_STORE.
  const env = { CA_STORE: 'prod' };
  const pending = ca(dir, ['new-cert', '--ip', '10.0.0.6', 'web'], { env });
  assert.equal(pending.status, 0, pending.stderr);
  follow(dir, quoted(pending.stderr, /Next: `(CA_STORE=prod ca sign web)`/));
  assert.ok(JSON.parse(caOk(dir, ['list', '--json', '--store', 'prod']).out).some((e) => e.name === 'web' && e.status === 'valid'));

  // Errors' hints too.
  const missing = ca(dir, ['--store', 'prod', 'sign', 'nothing']);
  assert.match(missing.stderr, /run `ca --store prod new-cert nothing` first/);
});

test('a root that may sign CAs suggests an intermediate, and the suggestion works', (t) => {
  const dir = tempDir(t);
  const init = caOk(dir, ['init', '--store', 'root', '--key-type', 'ecdsa', '--path-length', '1', 'acme-root']);
  assert.doesNotMatch(init.stderr, /new-cert/);
  follow(dir, quoted(init.stderr, /Next: `(ca init --store cluster1 --parent root cluster1)`/));
  caOk(dir, ['create-node-certificate', '--store', 'cluster1', '--ip', '10.0.0.7']);
});

test("mkcert's habit: `ca new-cert localhost && ca sign localhost` gives a certificate for localhost", { skip: needs('openssl', 'openssl') }, (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '-q', '--key-type', 'ecdsa', 'dev-ca']);
  const made = caOk(dir, ['new-cert', 'localhost']);
  assert.match(made.stderr, /No --domain or --ip was given: the certificate is for the host localhost \(DNS:localhost\)/);
  const signed = caOk(dir, ['sign', 'localhost']);
  assert.doesNotMatch(signed.stderr, /warning/, 'no SAN warning: it has one');
  const cert = new X509Certificate(readFileSync(join(dir, '.ca/certs/localhost.crt')));
  assert.equal(cert.subjectAltName, 'DNS:localhost');
  assert.equal(run('openssl', ['verify', '-CAfile', join(dir, '.ca/ca.crt'), '-verify_hostname', 'localhost', join(dir, '.ca/certs/localhost.crt')]).status, 0);
  // An IP address as NAME is an IP SAN; a client's NAME is not a host; given SANs are kept as given.
  caOk(dir, ['new-cert', '127.0.0.1']);
  assert.match(JSON.parse(caOk(dir, ['list', '--json']).out).find((e) => e.name === '127.0.0.1').sans.join(), /IP:127\.0\.0\.1/);
  assert.doesNotMatch(caOk(dir, ['new-cert', '--profile', 'client', 'alice']).stderr, /the certificate is for the host/);
  assert.doesNotMatch(caOk(dir, ['new-cert', '--domain', 'api.internal', 'api']).stderr, /the certificate is for the host/);
});

test('command-line mistakes: one line that names the mistake and what was meant, exit 2, nothing written', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '-q', '--key-type', 'ecdsa', 'typo-ca']);
  const cases = [
    [['new-cert', '--foo', 'x'], /^error: unknown option --foo; run `ca new-cert --help` for usage$/],
    [['--versoin'], /^error: unknown option --versoin \(did you mean --version\?\); run `ca --help` for usage$/],
    [['new-cert', '--dommain', 'a.example', 'x'], /^error: unknown option --dommain \(did you mean --domain\?\); run `ca new-cert --help` for usage$/],
    [['completion', 'tcsh'], /^error: invalid SHELL "tcsh": choose bash, zsh, fish; run `ca completion --help` for usage$/],
    [['export', '--json', 'x'], /^error: failed to export x: --json needs --out FILE/],
  ];
  for (const [args, line] of cases) {
    const before = treeDigest(join(dir, '.ca'));
    const r = ca(dir, args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), line);
    assert.equal(r.out, '');
    assert.equal(treeDigest(join(dir, '.ca')), before);
  }
  // `--years` no longer claims a default counted in days.
  const help = caOk(dir, ['help', 'sign']).out;
  assert.match(help, /--days\s+validity in days\s+\[string\] \[default: 825\]/);
  assert.doesNotMatch(help, /--years[^\n]*825/);
});
