// A damaged store: each damage gets a clear error naming the file, never a crash, never a silent
// repair: the store is left exactly as it was found.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ca, caOk, treeDigest } from '../helpers/ca.js';

let pristine;
before(() => {
  pristine = mkdtempSync(join(tmpdir(), 'clusterca-damage-'));
  process.on('exit', () => rmSync(pristine, { recursive: true, force: true }));
  caOk(pristine, ['init', '--key-bits', '2048']);
  caOk(pristine, ['create-api-certificate', 'alice']);
  caOk(pristine, ['new-cert', '--ip', '10.0.0.1', 'pending']);
});

const corrupt = (path) => writeFileSync(path, readFileSync(path, 'utf8').slice(0, 200).replace(/[A-Z]/g, '?'));
const DAMAGES = [
  ['a corrupt ca.crt', (s) => corrupt(join(s, 'ca.crt')), ['sign', 'pending'], /\.ca\/ca\.crt is not a readable certificate \(PEM or DER\)/],
  ['a missing ca.crt', (s) => unlinkSync(join(s, 'ca.crt')), ['sign', 'pending'], /the CA certificate is missing: .*\.ca\/ca\.crt does not exist/],
  ['a corrupt ca.key', (s) => corrupt(join(s, 'ca.key')), ['sign', 'pending'], /the CA key .*\.ca\/ca\.key is not a readable private key/],
  ['a missing ca.key', (s) => unlinkSync(join(s, 'ca.key')), ['create-api-certificate', 'bob'], /the CA key is missing: .*\.ca\/ca\.key does not exist/],
  ['a CA key readable by others', (s) => chmodSync(join(s, 'ca.key'), 0o644), ['sign', 'pending'], /the CA key .*\.ca\/ca\.key is readable by others \(mode 0644\); if it was not exposed, run: chmod 600 .*\.ca\/ca\.key/],
  ['a corrupt index.json', (s) => writeFileSync(join(s, 'index.json'), '{"version":1,"certif'), ['new-cert', 'x'], /the index .*\.ca\/index\.json is damaged: .*; restore it from a backup/],
  ['an index.json of another shape', (s) => writeFileSync(join(s, 'index.json'), '[]'), ['create-api-certificate', 'bob'], /the index .*index\.json is damaged: expected an object/],
  ['a missing index.json', (s) => unlinkSync(join(s, 'index.json')), ['sign', 'pending'], /the index is missing: .*index\.json does not exist/],
  ['a corrupt store.json', (s) => writeFileSync(join(s, 'store.json'), 'nope'), ['export'], /store\.json is damaged/],
  ['a corrupt certificate', (s) => corrupt(join(s, 'certs/alice.crt')), ['export', 'alice'], /certs\/alice\.crt is not a readable certificate \(PEM or DER\)/],
  ['a missing certificate', (s) => unlinkSync(join(s, 'certs/alice.crt')), ['export', 'alice'], /certificate alice is missing: .*certs\/alice\.crt does not exist/],
  ['a missing key', (s) => unlinkSync(join(s, 'keys/alice.key')), ['export', 'alice'], /the key of alice is missing: .*keys\/alice\.key does not exist/],
  ['a corrupt key', (s) => corrupt(join(s, 'keys/alice.key')), ['export', '--format', 'pem', 'alice'], /the key of alice .*keys\/alice\.key is not a readable private key/],
  ['a key readable by others', (s) => chmodSync(join(s, 'keys/alice.key'), 0o640), ['export', 'alice'], /keys\/alice\.key is readable by others \(mode 0640\)/],
  ['a corrupt request', (s) => corrupt(join(s, 'csrs/pending.csr')), ['sign', 'pending'], /csrs\/pending\.csr .*(not a certificate signing request|no CERTIFICATE REQUEST)/],
];

for (const [what, damage, args, why] of DAMAGES) {
  test(`${what}: a clear error naming the file, and nothing changed`, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterca-damaged-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(join(pristine, '.ca'), join(dir, '.ca'), { recursive: true });
    damage(join(dir, '.ca'));
    const before = treeDigest(join(dir, '.ca'));
    const r = ca(dir, args);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, why);
    assert.doesNotMatch(r.stderr, /\n\s+at |TypeError|undefined/);
    assert.equal(treeDigest(join(dir, '.ca')), before, 'no silent repair');
  });
}
