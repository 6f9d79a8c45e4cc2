// Output contracts: --json parses for every command that reports something, stdout carries only
// results, and piped output has no ANSI escape codes (with or without NO_COLOR).
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
