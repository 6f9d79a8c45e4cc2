// Trust of the store (SPEC, second wave): directories `ca` creates are 0700 whatever the umask, and
// a store that another user owns or can write to, or whose keys are links or someone else's, is
// refused as ssh's StrictModes refuses such files. The attack of a second local user is played for
// real: as root the test creates an unprivileged user and runs `ca` as that user.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ca, CA_BIN, caOk, have, mode, run, storeText, tempDir, treeDigest } from '../helpers/ca.js';

const USER = 'clusterca-other';

/** An unprivileged user to act as the other person on the machine, or why there cannot be one. */
function otherUser() {
  if (process.getuid?.() !== 0) return { skip: 'needs root to create an unprivileged user and run ca as that user' };
  if (!have('setpriv')) return { skip: 'setpriv is not installed (Debian package util-linux)' };
  let id = run('id', ['-u', USER]);
  if (id.status !== 0) {
    if (!have('useradd')) return { skip: 'useradd is not installed (Debian package passwd)' };
    const made = run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
    if (made.status !== 0) return { skip: `useradd failed: ${made.stderr.trim()}` };
    id = run('id', ['-u', USER]);
  }
  const uid = Number(id.stdout.trim());
  const gid = Number(run('id', ['-g', USER]).stdout.trim());
  return { uid, gid };
}
const other = otherUser();

/**
 * The CLI as the other user can run it: the checkout may sit in a directory only its owner can
 * enter (a `mktemp -d` clone), so the bundle, the templates, package.json and the runtime
 * dependencies (tldts-icann is required from node_modules) are copied to one anyone can read, for
 * the whole file, and removed at its end.
 */
function binForOther() {
  const root = mkdtempSync(join(tmpdir(), 'clusterca-cli-'));
  chmodSync(root, 0o755);
  const checkout = join(dirname(CA_BIN), '..');
  for (const part of ['bin', 'dist/bundle', 'templates', 'package.json', ...runtimePackages(checkout)]) {
    cpSync(join(checkout, part), join(root, part), { recursive: true });
  }
  after(() => rmSync(root, { recursive: true, force: true }));
  return join(root, 'bin', 'ca.js');
}

/** node_modules/NAME for every package the CLI depends on at run time, theirs included. */
function runtimePackages(checkout, dependencies = packageJson(checkout).dependencies, found = new Set()) {
  for (const name of Object.keys(dependencies ?? {})) {
    const dir = join('node_modules', name);
    if (found.has(dir)) continue;
    found.add(dir);
    runtimePackages(checkout, packageJson(join(checkout, dir)).dependencies, found);
  }
  return [...found];
}
const packageJson = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const otherBin = other.skip ? undefined : binForOther();

/** Runs `ca ARGS` in `cwd` as the other user. */
function caAs(cwd, args, { umask = '022' } = {}) {
  const r = spawnSync('setpriv', ['--reuid', String(other.uid), '--regid', String(other.gid), '--clear-groups', '--', 'sh', '-c', `umask ${umask}; exec "$0" "$@"`, process.execPath, otherBin, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: '/nonexistent' },
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout, stderr: r.stderr };
}

test('directories ca creates are 0700 whatever the umask, parents of --store included', (t) => {
  const dir = tempDir(t);
  for (const umask of ['000', '022', '077']) {
    const r = spawnSync('sh', ['-c', `umask ${umask}; exec "$0" "$@"`, process.execPath, CA_BIN, 'init', '--key-bits', '2048', '--store', `u${umask}/team/pki/.ca`, 'x'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const d of ['', '/team', '/team/pki', '/team/pki/.ca', '/team/pki/.ca/keys', '/team/pki/.ca/keys/pending', '/team/pki/.ca/certs', '/team/pki/.ca/csrs', '/team/pki/.ca/issued']) {
      assert.equal(mode(join(dir, `u${umask}${d}`)), 0o700, `u${umask}${d} under umask ${umask}`);
    }
    assert.equal(mode(join(dir, `u${umask}/team/pki/.ca/ca.key`)), 0o600);
  }
});

test('a store writable by others, or whose keys/ or certs/ are, is refused with the chmod', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  caOk(dir, ['create-api-certificate', 'alice']);
  for (const [path, perms] of [['.ca', 0o770], ['.ca/keys', 0o720], ['.ca/certs', 0o702]]) {
    chmodSync(join(dir, path), perms);
    const before = treeDigest(join(dir, '.ca'));
    const r = ca(dir, ['list']);
    assert.equal(r.status, 1, path);
    assert.match(r.stderr, new RegExp(`is writable by others \\(mode 0${perms.toString(8)}\\); run: chmod 700 .*${path.replace('.', '\\.')}`));
    assert.equal(treeDigest(join(dir, '.ca')), before);
    chmodSync(join(dir, path), 0o700);
  }
  assert.equal(ca(dir, ['list']).status, 0);
});

test('a CA key that is a symbolic link is refused, even to its owner', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  renameSync(join(dir, '.ca/ca.key'), join(dir, 'real.key'));
  symlinkSync(join(dir, 'real.key'), join(dir, '.ca/ca.key'));
  const r = ca(dir, ['create-api-certificate', 'alice']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the CA key .*\.ca\/ca\.key is a symbolic link/);
});

test('a leaf key that is a symbolic link or a FIFO is refused, never followed or waited on', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  caOk(dir, ['create-api-certificate', 'alice']);
  renameSync(join(dir, '.ca/keys/alice.key'), join(dir, 'elsewhere.key'));
  symlinkSync(join(dir, 'elsewhere.key'), join(dir, '.ca/keys/alice.key'));
  assert.match(ca(dir, ['export', 'alice']).stderr, /the key of alice .*keys\/alice\.key is a symbolic link/);
  unlinkSync(join(dir, '.ca/keys/alice.key'));
  assert.equal(run('mkfifo', ['-m', '600', join(dir, '.ca/keys/alice.key')]).status, 0);
  const r = ca(dir, ['export', 'alice']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /keys\/alice\.key is not a regular file/);
});

test('a store.json that is a FIFO is not waited on before the store is checked (the early key looks at it first)', (t) => {
  const dir = tempDir(t);
  caOk(dir, ['init', '--key-bits', '2048']);
  chmodSync(join(dir, '.ca'), 0o770);
  unlinkSync(join(dir, '.ca/store.json'));
  assert.equal(run('mkfifo', ['-m', '644', join(dir, '.ca/store.json')]).status, 0);
  // Bounded: a read that waits on the FIFO would never return.
  const r = spawnSync(process.execPath, [CA_BIN, 'create-api-certificate', 'bob'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.signal, null, 'ca did not hang');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /is writable by others \(mode 0770\)/);
});

test("another user's store, key or CA key is refused", { skip: other.skip }, (t) => {
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  const theirs = join(dir, 'theirs');
  mkdirSync(theirs);
  chownSync(theirs, other.uid, other.gid);
  const made = caAs(theirs, ['init', '--key-bits', '2048', 'theirs']);
  assert.equal(made.status, 0, made.stderr);
  assert.equal(statSync(join(theirs, '.ca/ca.key')).uid, other.uid);
  assert.equal(caAs(theirs, ['create-api-certificate', 'carol']).status, 0, 'ca works for an unprivileged user on their own store');

  const r = ca(theirs, ['list']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`the store .*theirs/\\.ca belongs to another user \\(uid ${other.uid}\\); run ca as its owner`));

  const mine = join(dir, 'mine');
  mkdirSync(mine);
  caOk(mine, ['init', '--key-bits', '2048']);
  caOk(mine, ['create-api-certificate', 'alice']);
  chownSync(join(mine, '.ca/keys/alice.key'), other.uid, other.gid);
  assert.match(ca(mine, ['export', 'alice']).stderr, new RegExp(`keys/alice\\.key belongs to another user \\(uid ${other.uid}\\)`));
  chownSync(join(mine, '.ca/keys/alice.key'), 0, 0);
  chownSync(join(mine, '.ca/ca.key'), other.uid, other.gid);
  assert.match(ca(mine, ['list']).stderr, new RegExp(`the CA key .*ca\\.key belongs to another user \\(uid ${other.uid}\\)`));
});

test('the attack of a second local user on a world-writable parent: a swapped-in store is refused', { skip: other.skip }, (t) => {
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  // The victim's store under a shared directory that is writable by everyone (made so by hand).
  mkdirSync(join(dir, 'team/pki'), { recursive: true });
  chmodSync(join(dir, 'team'), 0o777);
  chmodSync(join(dir, 'team/pki'), 0o777);
  caOk(dir, ['init', '--key-bits', '2048', '--store', 'team/pki/.ca', 'victimca']);
  caOk(dir, ['create-api-certificate', '--store', 'team/pki/.ca', '--out', '.', 'web']);

  // The attacker moves the store aside and builds their own .ca in its place: their index names a
  // certificate "web" with their key, and ca.key is a link to the victim's real CA key.
  const attacker = join(dir, 'attacker');
  mkdirSync(attacker);
  chownSync(attacker, other.uid, other.gid);
  assert.equal(caAs(attacker, ['init', '--key-bits', '2048', 'victimca']).status, 0);
  assert.equal(caAs(attacker, ['new-cert', '--domain', 'login.bank.example', '--domain', '*.corp.example', 'web']).status, 0);
  assert.equal(caAs(attacker, ['sign', 'web']).status, 0);
  const swap = spawnSync('setpriv', ['--reuid', String(other.uid), '--regid', String(other.gid), '--clear-groups', '--', 'sh', '-c',
    'mv team/pki/.ca team/pki/.ca.moved && cp -r attacker/.ca team/pki/.ca && rm team/pki/.ca/ca.key && ln -s "$PWD/team/pki/.ca.moved/ca.key" team/pki/.ca/ca.key'], { cwd: dir, encoding: 'utf8' });
  assert.equal(swap.status, 0, swap.stderr);

  const before = treeDigest(join(dir, 'team/pki/.ca'));
  const r = ca(dir, ['renew', '--store', 'team/pki/.ca', 'web']);
  assert.equal(r.status, 1, 'the victim does not sign from a store they do not own');
  assert.match(r.stderr, /belongs to another user/);
  assert.equal(treeDigest(join(dir, 'team/pki/.ca')), before);
  // The victim's real CA key was never read into a certificate for the attacker.
  assert.equal(storeText(join(dir, 'team/pki/.ca.moved')).includes('login.bank.example'), false);
});
