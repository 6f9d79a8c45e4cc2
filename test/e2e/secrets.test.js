// Secrets never show: passphrases and key material stay out of stdout, stderr (errors, warnings,
// --verbose traces) and the index; keys are 0600 whatever the umask.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ca, CA_BIN, storeText, tempDir } from '../helpers/ca.js';

const CA_PASS = 'Zebra-Orchid-7734-ca';
const KEY_PASS = 'Quartz-Lantern-1902-key';
const P12_PASS = 'Mosaic-Harbor-5511-p12';

test('passphrases and keys never appear in output, errors, traces or the index', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'ca-pass'), `${CA_PASS}\n`);
  writeFileSync(join(dir, 'wrong'), 'Wrong-Guess-0000\n');
  const runs = [
    ['init', '--key-bits', '2048', '--passphrase', CA_PASS, '--verbose'],
    ['new-cert', '--passphrase', KEY_PASS, '--ip', '10.0.0.1', 'n1', '--verbose'],
    ['sign', '--ca-passphrase-file', 'ca-pass', 'n1', '--verbose'],
    ['sign', '--ca-passphrase', 'Wrong-Guess-0000', 'n1', '--verbose'],
    ['create-api-certificate', '--ca-passphrase-file', 'wrong', 'bob', '--verbose'],
    ['create-api-certificate', '--ca-passphrase-file', 'ca-pass', '--passphrase', KEY_PASS, '--json', 'alice'],
    ['export', '--insecure', '--passphrase', 'Wrong-Guess-0000', '--out', 'x.tar', 'alice', '--verbose'],
    ['export', '--format', 'p12', '--p12-password', P12_PASS, '--passphrase', KEY_PASS, '--out', 'a.p12', 'alice', '--verbose'],
    ['export', '--format', 'p12', '--p12-password', P12_PASS, '--passphrase', 'Wrong-Guess-0000', '--out', 'b.p12', 'alice', '--verbose'],
    ['sign', '--json', '--ca-passphrase-file', 'ca-pass', 'n1'],
  ];
  let transcript = '';
  for (const args of runs) {
    const r = ca(dir, args);
    transcript += `${r.out}\n${r.stderr}\n`;
  }
  for (const secret of [CA_PASS, KEY_PASS, P12_PASS, 'Wrong-Guess-0000']) {
    assert.ok(!transcript.includes(secret), `${secret} was printed`);
  }
  assert.doesNotMatch(transcript, /PRIVATE KEY|MII[A-Za-z0-9+/]{20}/, 'no key material');
  assert.match(transcript, /wrong passphrase for the CA key/, 'the failures did happen');
  const index = storeText(join(dir, '.ca'));
  for (const secret of [CA_PASS, KEY_PASS, 'PRIVATE']) assert.ok(!index.includes(secret));
});

test('keys are 0600 and certificates 0644 under any umask', (t) => {
  for (const umask of ['000', '022', '077']) {
    const dir = tempDir(t);
    const script = [
      `umask ${umask}`,
      `"${process.execPath}" "${CA_BIN}" init --key-bits 2048 -q`,
      `"${process.execPath}" "${CA_BIN}" create-api-certificate -q alice`,
      `"${process.execPath}" "${CA_BIN}" export -q --out alice.tar alice`,
      `"${process.execPath}" "${CA_BIN}" export -q --format pem --out alice.pem alice`,
      `"${process.execPath}" "${CA_BIN}" export -q --format p12 --p12-password pw-${umask} --out alice.p12 alice`,
    ].join(' && ');
    const r = spawnSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const modes = {};
    const walk = (d) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else modes[p.slice(dir.length + 1)] = (st.mode & 0o777).toString(8);
      }
    };
    walk(dir);
    const keyish = Object.entries(modes).filter(([p]) => /\.(key|tar|pem|p12)$/.test(p));
    assert.equal(keyish.length, 6, JSON.stringify(modes));
    for (const [p, m] of keyish) assert.equal(m, '600', `umask ${umask}: ${p}`);
    assert.equal(modes['.ca/ca.crt'], '644', `umask ${umask}`);
    assert.equal(modes['alice.crt'], '644', `umask ${umask}`);
    assert.equal((statSync(join(dir, '.ca')).mode & 0o777).toString(8), '700');
  }
});
