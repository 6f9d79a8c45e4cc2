// A person at a terminal, driven through tmux: `ca init` asks for the CA's name and its passphrase
// (twice, not echoed) and encrypts the key with it; a binary export to the terminal is refused; an
// existing store is replaced only when the person says yes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CA_BIN, needs, run, tempDir, treeDigest } from '../helpers/ca.js';

const skip = needs('tmux', 'tmux');
const SECRET = 'Tmux-Typed-Passphrase-42';

function terminal(t, dir) {
  const socket = `clusterca-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...args) => run('tmux', ['-L', socket, ...args]);
  t.after(() => tmux('kill-server'));
  let n = 0;
  return {
    socket,
    /** Runs a shell command in a new 120x40 window; the shell prints EXIT=<status> when done. */
    start(command) {
      const name = `w${n++}`;
      const shell = `cd '${dir}' && ${command}; echo EXIT=$?; sleep 60`;
      const r = n === 1
        ? tmux('new-session', '-d', '-s', 'ca', '-n', name, '-x', '120', '-y', '40', shell)
        : tmux('new-window', '-t', 'ca', '-n', name, shell);
      assert.equal(r.status, 0, r.stderr);
      return {
        screen: () => tmux('capture-pane', '-p', '-t', `ca:${name}`).stdout,
        type: (text) => tmux('send-keys', '-t', `ca:${name}`, '-l', text),
        enter: () => tmux('send-keys', '-t', `ca:${name}`, 'Enter'),
        async waitFor(pattern, what) {
          for (let i = 0; i < 150; i++) {
            const screen = this.screen();
            if (pattern.test(screen)) return screen;
            await sleep(100);
          }
          throw new Error(`timed out waiting for ${what}; the screen:\n${this.screen()}`);
        },
      };
    },
  };
}

const ca = `'${process.execPath}' '${CA_BIN}'`;

test('init on a terminal: asks for the name and the passphrase twice, never echoes it, encrypts the key', { skip, timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'terminal-cluster-');
  const term = terminal(t, dir);
  const w = term.start(`${ca} init --key-bits 2048`);
  await w.waitFor(/Name of the CA/, 'the name prompt');
  w.enter(); // the default: the directory's name
  await w.waitFor(/Passphrase for the CA key/, 'the passphrase prompt');
  w.type(SECRET);
  w.enter();
  await w.waitFor(/Again, to confirm/, 'the confirmation prompt');
  w.type(SECRET);
  w.enter();
  const screen = await w.waitFor(/EXIT=\d+/, 'the end of ca init');
  assert.match(screen, /EXIT=0/);
  assert.match(screen, /Created the CA "terminal-cluster-/);
  assert.ok(!screen.includes(SECRET), `the passphrase was echoed:\n${screen}`);
  assert.doesNotMatch(screen, /\x1b\[/, 'capture-pane shows text, not escape codes');
  const keyPem = readFileSync(join(dir, '.ca/ca.key'), 'utf8');
  assert.match(keyPem, /ENCRYPTED PRIVATE KEY/);
  assert.ok(createPrivateKey({ key: keyPem, passphrase: SECRET }));
});

test('a tar or PKCS#12 export to the terminal is refused with the way out', { skip, timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  run(process.execPath, [CA_BIN, 'init', '--key-bits', '2048'], { cwd: dir });
  const term = terminal(t, dir);
  const tarWindow = term.start(`${ca} export`);
  let screen = await tarWindow.waitFor(/EXIT=\d+/, 'ca export');
  assert.match(screen, /error: failed to export the CA certificate: refusing to write a tar archive to the terminal; pipe/);
  assert.match(screen, /EXIT=2/);
  const p12Window = term.start(`${ca} create-api-certificate -q alice >/dev/null && ${ca} export alice --format p12 --p12-password x`);
  screen = await p12Window.waitFor(/EXIT=\d+/, 'ca export --format p12');
  assert.match(screen, /refusing to write a PKCS#12 file to the terminal/);
});

test('an existing store is replaced only after a yes; passphrases are asked once even then', { skip, timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  run(process.execPath, [CA_BIN, 'init', '--key-bits', '2048', 'first'], { cwd: dir });
  const term = terminal(t, dir);
  const no = term.start(`${ca} init --key-bits 2048 second`);
  await no.waitFor(/already exists.*Replace it\?/, 'the question');
  no.type('n');
  no.enter();
  let screen = await no.waitFor(/EXIT=\d+/, 'the answer no');
  assert.match(screen, /EXIT=1/);
  assert.match(readFileSync(join(dir, '.ca/ca.crt'), 'utf8'), /CERTIFICATE/);
  const yes = term.start(`${ca} init --key-bits 2048 second`);
  await yes.waitFor(/Replace it\?/, 'the question');
  yes.type('y');
  yes.enter();
  await yes.waitFor(/Passphrase for the CA key/, 'the passphrase prompt');
  yes.enter(); // empty: unencrypted
  screen = await yes.waitFor(/EXIT=\d+/, 'the new store');
  assert.match(screen, /EXIT=0/);
  assert.match(screen, /warning: the CA key is stored unencrypted/);
  assert.ok(readdirSync(dir).some((n) => n.startsWith('.ca.replaced-')), 'the old store is kept');
  assert.ok(existsSync(join(dir, '.ca/ca.key')));
});

test('a new passphrase typed at the prompt needs 8 characters; a wrong one when signing is asked again, three times in all', { skip, timeout: 90_000 }, async (t) => {
  const dir = tempDir(t);
  const term = terminal(t, dir);
  const init = term.start(`${ca} init --key-type ecdsa short-ca`);
  await init.waitFor(/Passphrase for the CA key/, 'the passphrase prompt');
  init.type('short');
  init.enter();
  await init.waitFor(/At least 8 characters, please/, 'the length rule');
  init.type(SECRET);
  init.enter();
  await init.waitFor(/Again, to confirm/, 'the confirmation prompt');
  init.type(SECRET);
  init.enter();
  assert.match(await init.waitFor(/EXIT=\d+/, 'ca init'), /EXIT=0/);

  const sign = term.start(`${ca} create-api-certificate alice`);
  await sign.waitFor(/Passphrase of the CA key/, 'the CA passphrase prompt');
  sign.type('not-the-passphrase');
  sign.enter();
  await sign.waitFor(/Wrong passphrase; try again/, 'a second chance');
  sign.type(SECRET);
  sign.enter();
  let screen = await sign.waitFor(/EXIT=\d+/, 'the issuance');
  assert.match(screen, /EXIT=0/);
  assert.match(screen, /Created alice\.crt and alice\.key/);

  const fail = term.start(`${ca} create-api-certificate bob`);
  for (let i = 1; i <= 3; i++) {
    await fail.waitFor(i === 1 ? /Passphrase of the CA key/ : new RegExp(`(Wrong passphrase; try again[\\s\\S]*){${i - 1}}`), `prompt ${i}`);
    fail.type(`wrong-${i}-passphrase`);
    fail.enter();
  }
  screen = await fail.waitFor(/EXIT=\d+/, 'the third wrong one');
  assert.match(screen, /error: failed to .*wrong passphrase for the CA key/);
  assert.match(screen, /EXIT=1/);
  assert.ok(!existsSync(join(dir, 'bob.crt')));
});

test('Ctrl-C at a prompt: no error, exit 130, the store as it was', { skip, timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'pass'), `${SECRET}\n`);
  assert.equal(run(process.execPath, [CA_BIN, 'init', '-q', '--key-type', 'ecdsa', '--passphrase-file', 'pass', 'ctrl-c-ca'], { cwd: dir }).status, 0);
  assert.equal(run(process.execPath, [CA_BIN, 'new-cert', '-q', '--ip', '10.0.0.1', 'server1'], { cwd: dir, input: '' }).status, 0);
  const before = treeDigest(join(dir, '.ca'));
  const term = terminal(t, dir);
  const sign = term.start(`${ca} sign server1`);
  await sign.waitFor(/Passphrase of the CA key/, 'the CA passphrase prompt');
  run('tmux', ['-L', term.socket, 'send-keys', '-t', 'ca:w0', 'C-c']);
  const screen = await sign.waitFor(/EXIT=\d+/, 'the end of ca sign');
  assert.match(screen, /EXIT=130/);
  assert.doesNotMatch(screen, /error|SIGINT|force closed/i);
  assert.equal(treeDigest(join(dir, '.ca')), before, 'nothing written');
  assert.match(run(process.execPath, [CA_BIN, 'list'], { cwd: dir }).stdout, /server1.*pending/);
});
