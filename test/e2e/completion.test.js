// Shell completion (SPEC "Ecosystem"): the scripts of `ca completion bash|zsh|fish` loaded into the
// real shells, completing commands, flags, profiles and the store's names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CA_BIN, ca, caOk, needs, run, tempDir } from '../helpers/ca.js';

let dir;
let env;


function setUp(t) {
  dir = tempDir(t);
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'ca'), `#!/bin/sh\nexec "${process.execPath}" "${CA_BIN}" "$@"\n`);
  chmodSync(join(bin, 'ca'), 0o755);
  env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: dir, CA_STORE: '' };
  caOk(dir, ['init', '--key-type', 'ecdsa', 'complete-ca']);
  caOk(dir, ['create-api-certificate', 'alice']);
  caOk(dir, ['create-node-certificate', '--name', 'web', '--ip', '127.0.0.1']);
  caOk(dir, ['new-cert', 'pending-one']);
  for (const shell of ['bash', 'zsh', 'fish']) writeFileSync(join(dir, `ca.${shell}`), caOk(dir, ['completion', shell]).out);
}

/** bash: what `ca WORDS<TAB>` offers, through the script's own function. */
function bash(line) {
  const words = line.split(' ');
  const script = `source ./ca.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _ca_completions; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = run('bash', ['-c', script], { cwd: dir, env });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

test('bash: commands, flags, certificate names where a command takes one, requests for sign, profiles after --profile', (t) => {
  setUp(t);
  assert.deepEqual(bash('ca exp'), ['export']);
  assert.deepEqual(bash('ca export ').filter((w) => !w.startsWith('-')).sort(), ['alice', 'web']);
  assert.deepEqual(bash('ca sign ').filter((w) => !w.startsWith('-')), ['pending-one']);
  assert.deepEqual(bash('ca renew ').filter((w) => !w.startsWith('-')).sort(), ['alice', 'ca', 'web']);
  assert.deepEqual(bash('ca new-cert --profile ').sort(), ['admin', 'api', 'client', 'control', 'node', 'peer', 'server']);
  assert.deepEqual(bash('ca export --format '), ['tar', 'pem', 'p12', 'k8s', 'docker']);
  assert.ok(bash('ca export --f').includes('--format'));
  assert.deepEqual(bash('ca help cr').sort(), ['create-api-certificate', 'create-control-certificate', 'create-node-certificate', 'crl']);
  // From a directory below the store too, and nothing but words on stdout.
  mkdirSync(join(dir, 'sub'));
  const below = run('bash', ['-c', "cd sub && source ../ca.bash && COMP_WORDS=(ca show ''); COMP_CWORD=2; _ca_completions; printf '%s\\n' \"${COMPREPLY[@]}\""], { cwd: dir, env });
  assert.deepEqual(below.stdout.split('\n').filter((w) => w && !w.startsWith('-')).sort(), ['alice', 'web']);
});

test('zsh: the script loads, and its function hands the words to _describe', { skip: needs('zsh', 'zsh') }, (t) => {
  setUp(t);
  assert.equal(run('zsh', ['-n', 'ca.zsh'], { cwd: dir }).status, 0);
  // _describe and compdef belong to the completion system; stand-ins print what they are given.
  const script = `compdef() { :; }; _describe() { print -l -- "\${(@P)2}"; }; _default() { :; }
source ./ca.zsh
words=(ca export ''); CURRENT=3; BUFFER='ca export '; CURSOR=\${#BUFFER}
_ca_completions`;
  const r = run('zsh', ['-c', script], { cwd: dir, env });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.ok(lines.includes('alice') && lines.includes('web'), r.stdout);
  assert.ok(lines.some((l) => l.startsWith('--format:')), 'flags with their descriptions');
});

test('fish: complete -C offers the same words', { skip: needs('fish', 'fish') }, (t) => {
  setUp(t);
  const complete = (line) => {
    const r = run('fish', ['-c', `source ./ca.fish; complete -C '${line}'`], { cwd: dir, env });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
  };
  assert.deepEqual(complete('ca export ').filter((w) => !w.startsWith('-')).sort(), ['alice', 'web']);
  assert.deepEqual(complete('ca create-n'), ['create-node-certificate']);
  assert.ok(complete('ca new-cert --profile ').includes('server'));
});

test('`ca completion`: the shell from $SHELL, --help is help, an unknown shell is a usage error', (t) => {
  setUp(t);
  assert.match(caOk(dir, ['completion'], { env: { SHELL: '/usr/bin/zsh' } }).out, /^#compdef ca/);
  assert.match(caOk(dir, ['completion'], { env: { SHELL: '/bin/bash' } }).out, /complete -o bashdefault -o default -F _ca_completions ca/);
  const help = caOk(dir, ['completion', '--help']).out;
  assert.match(help, /ca completion \[shell\]/);
  assert.doesNotMatch(help, /_ca_completions/);
  const r = ca(dir, ['completion', 'tcsh']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /invalid SHELL "tcsh": choose bash, zsh, fish/);
});
