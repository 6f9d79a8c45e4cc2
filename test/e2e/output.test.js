// Output contracts: --json parses for every command that reports something, stdout carries only
// results, piped output has no ANSI escape codes (with or without NO_COLOR), and no control
// character from a certificate, a file name or an argument is ever written raw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ca, caOk, tempDir } from '../helpers/ca.js';

test('--json parses on every reporting command, and nothing but JSON is on stdout', (t) => {
  const dir = tempDir(t);
  const json = (args, ok = true) => {
    const r = ok ? caOk(dir, [...args, '--json']) : ca(dir, [...args, '--json']);
    try {
      return JSON.parse(r.out);
    } catch {
      throw new Error(`ca ${args.join(' ')} --json printed:\n${r.out}`);
    }
  };
  assert.ok(json(['init', '--key-bits', '2048']).clusterId);
  assert.equal(json(['new-cert', '--ip', '10.0.0.1', 'n1']).status, 'pending');
  assert.equal(json(['sign', 'n1']).name, 'n1');
  assert.equal(json(['create-api-certificate', 'alice']).commonName, 'user-alice');
  assert.equal(json(['create-node-certificate', '--ip', '10.0.0.2']).length, 1);
  assert.equal(json(['create-control-certificate', '10.0.0.3']).commonName, 'control-service');
  assert.equal(json(['list']).length, 5);
  assert.equal(json(['show', 'alice']).extKeyUsage[0], 'clientAuth');
  assert.equal(json(['verify', 'alice.crt']).valid, true);
  assert.equal(json(['verify', 'alice.crt', '--usage', 'server'], false).valid, false);
  assert.equal(json(['status']).ok, true);
  assert.equal(json(['revoke', 'alice']).status, 'revoked');
  assert.equal(json(['crl']).number, 2);
  assert.equal(json(['renew', 'n1']).status, 'valid');
});

test('piped output has no ANSI codes, NO_COLOR or not', (t) => {
  const dir = tempDir(t);
  for (const env of [{}, { NO_COLOR: '1' }, { FORCE_COLOR: '3' }]) {
    const outputs = [
      ca(dir, ['init', '--key-bits', '2048', '--force'], { env }),
      ca(dir, ['create-api-certificate', '--force', 'alice'], { env }),
      ca(dir, ['list'], { env }),
      ca(dir, ['show', 'alice'], { env }),
      ca(dir, ['sign', 'nobody'], { env }),
      ca(dir, ['--help'], { env }),
      ca(dir, ['frob'], { env }),
    ];
    for (const r of outputs) assert.doesNotMatch(r.out + r.stderr, /\x1b\[/, JSON.stringify(env));
  }
});

test('control characters from certificates, file names and arguments never reach the terminal raw', async (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  // A certificate made elsewhere, with an escape sequence and a newline in its CN and a SAN.
  const { buildCertificate } = await import('../../dist/pki/certificate.js');
  const { computeValidity } = await import('../../dist/pki/validity.js');
  const { loadProfile } = await import('../../dist/store/profiles.js');
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const evil = buildCertificate({
    subject: { commonName: 'evil\x1b[31mred\nline\u009b2J' },
    publicKey: key,
    serial: '01',
    validity: computeValidity(new Date(), { days: 5 }),
    profile: await loadProfile('server'),
    altNames: { dns: ['a\x1b[2Jb.example'], ips: [], uris: [], emails: [] },
    selfKey: key,
  });
  writeFileSync(join(dir, 'evil.crt'), evil);
  writeFileSync(join(dir, 'name\x1b[2Jwith\nescape.crt'), 'junk');
  const runs = [
    ca(dir, ['verify', 'evil.crt', '--host', 'x']),
    ca(dir, ['verify', 'evil.crt', '--json']),
    ca(dir, ['verify', 'name\x1b[2Jwith\nescape.crt']),
    ca(dir, ['new-cert', '--common-name', 'x\x1b[31m', 'x']),
    ca(dir, ['new-cert', '--domain', 'a\x9b2J.example', 'x']),
  ];
  for (const r of runs) {
    assert.doesNotMatch(r.out + r.stderr, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, JSON.stringify(r.out + r.stderr));
    assert.equal(r.stderr.split('\n').filter(Boolean).length <= 1, true, r.stderr);
  }
  assert.match(runs[1].out, /evil\\u001b\[31mred\\nline\\u009b2J/);
  assert.match(runs[2].stderr, /name\\u001b\[2Jwith\\u000aescape\.crt/);
});
