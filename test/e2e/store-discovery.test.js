// SPEC "Ecosystem": commands find the store as git finds its repository (./.ca, else the nearest
// .ca above, said on stderr); --store and CA_STORE win; `ca init` never searches. A store carries a
// .gitignore so `git add .` never takes its keys; the repository ships bin/ca.js executable and
// ignores a store made in the clone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ca, caOk, needs, run, tempDir } from '../helpers/ca.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('from a directory below the store, commands find it and say so; ./.ca, --store and CA_STORE need no search', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-type', 'ecdsa', 'found-ca']);
  caOk(dir, ['create-node-certificate', '--count', '2', '--out', 'nodes/a/b', '--ip', '127.0.0.1']);
  const deep = join(dir, 'nodes', 'a', 'b');
  const r = caOk(deep, ['list']);
  assert.match(r.stderr, /Using the store \.\.\/\.\.\/\.\.\/\.ca \(found above the working directory/);
  assert.match(r.out, /node-/);
  caOk(deep, ['create-api-certificate', 'from-below']);
  assert.ok(existsSync(join(deep, 'from-below.crt')), 'output files still go to the working directory');
  assert.ok(existsSync(join(dir, '.ca', 'certs', 'from-below.crt')), 'the certificate is in the store above');
  assert.doesNotMatch(caOk(dir, ['list']).stderr, /Using the store/);
  assert.doesNotMatch(caOk(deep, ['list', '--quiet']).stderr, /Using the store/);

  // --store and CA_STORE win over the search.
  const other = join(dir, 'nodes', 'other');
  caOk(dir, ['init', '--store', other, 'other-ca']);
  assert.match(caOk(deep, ['show', 'ca', '--store', other]).out, /other-ca/);
  assert.match(caOk(deep, ['show', 'ca'], { env: { CA_STORE: other } }).out, /other-ca/);
  assert.match(caOk(deep, ['show', 'ca']).out, /found-ca/);
});

test('`ca init` below a store makes a store where it runs; with no store anywhere above, the error names ./.ca', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', 'outer']);
  const inner = join(dir, 'team');
  mkdirSync(inner);
  const r = caOk(inner, ['init', 'inner']);
  assert.doesNotMatch(r.stderr, /Using the store/);
  assert.ok(existsSync(join(inner, '.ca', 'store.json')));
  assert.match(caOk(inner, ['show', 'ca']).out, /inner/);

  const lonely = tempDir(t);
  const none = ca(lonely, ['list']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no CA store in .*\.ca; run `ca init` first/);
});

test('a store is ignored by git: `git add .` in a work tree around it takes no key', { skip: needs('git', 'git') }, (t) => {
  const dir = tempDir(t);
  run('git', ['init', '-q', dir]);
  caOk(dir, ['init', 'repo-ca']);
  caOk(dir, ['create-api-certificate', 'alice']);
  assert.equal(readFileSync(join(dir, '.ca', '.gitignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).join(), '*');
  run('git', ['add', '.'], { cwd: dir });
  const staged = run('git', ['diff', '--cached', '--name-only'], { cwd: dir }).stdout.trim().split('\n');
  assert.deepEqual(staged.sort(), ['alice.crt', 'alice.key'], 'the handed-over files, not the store');
});

test('the repository: bin/ca.js is committed executable, and a store made in the clone is ignored', { skip: needs('git', 'git') }, () => {
  const tracked = run('git', ['ls-files', '-s', 'bin/ca.js'], { cwd: ROOT });
  if (tracked.status !== 0 || tracked.stdout === '') return; // not a git checkout (an npm tarball)
  assert.match(tracked.stdout, /^100755 /);
  assert.equal(run('git', ['check-ignore', '-q', '.ca/ca.key'], { cwd: ROOT }).status, 0);
});
