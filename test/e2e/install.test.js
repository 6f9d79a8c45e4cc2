// The README's set-up, as a newcomer runs it: a fresh clone, the README's `sh no-run setup` block
// as written (it builds and puts `ca` on PATH through npm's global prefix, here one of the test's
// own), then, in a new shell in another directory, `ca --version`, `ca init` and `man ca`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs, tempDir } from '../helpers/ca.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const skip = needs('git', 'git') || (!existsSync(join(ROOT, '.git')) && 'not in a git checkout: there is nothing to clone');

test("the README's set-up command, in a fresh clone, puts a working `ca` on PATH", { skip, timeout: 600_000 }, (t) => {
  const dir = tempDir(t, 'clusterca-install-');
  const clone = join(dir, 'clone');
  const prefix = join(dir, 'prefix');
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(elsewhere);
  const cloned = spawnSync('git', ['clone', '--quiet', ROOT, clone], { encoding: 'utf8' });
  assert.equal(cloned.status, 0, cloned.stderr);

  const readme = readFileSync(join(clone, 'README.md'), 'utf8');
  const block = /```sh no-run setup\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the README has a set-up block');
  // A PATH on which npm's global prefix comes first, as it is on a machine where npm installs.
  // npm hands its own settings to `npm test` as npm_config_* variables (npm_config_prefix=/usr
  // among them): none may reach the set-up, which would install into the machine's prefix.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const env = { ...inherited, npm_config_prefix: prefix, PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, CA_STORE: '' };
  const setup = spawnSync('bash', ['-euo', 'pipefail', '-c', block], { cwd: clone, env, encoding: 'utf8', input: '' });
  assert.equal(setup.status, 0, `the set-up block failed:\n${setup.stdout.slice(-2000)}\n${setup.stderr.slice(-3000)}`);
  assert.ok(existsSync(join(clone, '.ca/ca.crt')), 'its `ca init` made a CA in the clone');

  // A new shell, another directory: only PATH leads to `ca`.
  const version = JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')).version;
  const used = spawnSync('bash', ['-c', 'command -v ca && ca --version && ca init -q elsewhere-ca && ca list'], { cwd: elsewhere, env, encoding: 'utf8', input: '' });
  assert.equal(used.status, 0, used.stderr);
  const [where, printed] = used.stdout.trim().split('\n');
  assert.equal(where, join(prefix, 'bin', 'ca'));
  assert.equal(printed, version);
  assert.ok(existsSync(join(elsewhere, '.ca/ca.key')));

  // The manual page comes with it.
  const manPage = join(prefix, 'share/man/man1/ca.1');
  assert.ok(existsSync(manPage), 'man/ca.1 is installed into the prefix');
});
