// A damaged store: each damage gets a clear error naming the file, never a crash, never a silent
// repair: the store is left exactly as it was found.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ca, caOk, foldJournal, treeDigest } from '../helpers/ca.js';

let pristine;
before(() => {
  pristine = mkdtempSync(join(tmpdir(), 'clusterca-damage-'));
  process.on('exit', () => rmSync(pristine, { recursive: true, force: true }));
  caOk(pristine, ['init', '--key-bits', '2048']);
  caOk(pristine, ['create-api-certificate', 'alice']);
  caOk(pristine, ['new-cert', '--ip', '10.0.0.1', 'pending']);
  foldJournal(join(pristine, '.ca')); // the whole index in index.json, for the edits below
});

const corrupt = (path) => writeFileSync(path, readFileSync(path, 'utf8').slice(0, 200).replace(/[A-Z]/g, '?'));
const readIndex = (s) => JSON.parse(readFileSync(join(s, 'index.json'), 'utf8'));
const editIndex = (s, change) => {
  const index = readIndex(s);
  change(index);
  writeFileSync(join(s, 'index.json'), JSON.stringify(index, null, 2));
};
const alice = (s) => readIndex(s).certificates.find((e) => e.name === 'alice');
const issued = (s) => join(s, 'issued', `${alice(s).serial}.crt`);
const profile = (s, name, data) => {
  mkdirSync(join(s, 'profiles'), { recursive: true });
  writeFileSync(join(s, 'profiles', `${name}.json`), JSON.stringify(data));
};
const PROFILE = { keyUsage: ['digitalSignature'], extKeyUsage: ['clientAuth'], days: 30 };
const DAMAGES = [
  ['a corrupt ca.crt', (s) => corrupt(join(s, 'ca.crt')), ['sign', 'pending'], /\.ca\/ca\.crt is not a readable certificate \(PEM or DER\)/],
  ['a missing ca.crt', (s) => unlinkSync(join(s, 'ca.crt')), ['sign', 'pending'], /the CA certificate is missing: .*\.ca\/ca\.crt does not exist/],
  ['a corrupt ca.key', (s) => corrupt(join(s, 'ca.key')), ['sign', 'pending'], /the CA key .*\.ca\/ca\.key is not a readable private key/],
  ['a missing ca.key', (s) => unlinkSync(join(s, 'ca.key')), ['create-api-certificate', 'bob'], /the CA key is missing: .*\.ca\/ca\.key does not exist/],
  ['a CA key readable by others', (s) => chmodSync(join(s, 'ca.key'), 0o644), ['sign', 'pending'], /the CA key .*\.ca\/ca\.key is readable by others \(mode 0644\); if it was not exposed, run: chmod 600 .*\.ca\/ca\.key/],
  ['a corrupt index.json', (s) => writeFileSync(join(s, 'index.json'), '{"version":1,"certif'), ['new-cert', 'x'], /the index .*\.ca\/index\.json is damaged: .*; restore it from a backup/],
  ['an index.json of another shape', (s) => writeFileSync(join(s, 'index.json'), '[]'), ['create-api-certificate', 'bob'], /the index .*index\.json is damaged: the top level is not an object; restore it from a backup/],
  ['a missing index.json', (s) => unlinkSync(join(s, 'index.json')), ['sign', 'pending'], /the index is missing: .*index\.json does not exist/],
  ['a corrupt store.json', (s) => writeFileSync(join(s, 'store.json'), 'nope'), ['export'], /store\.json is damaged/],
  ['a corrupt certificate', (s) => corrupt(issued(s)), ['export', 'alice'], /issued\/[0-9a-f]+\.crt is not a readable certificate \(PEM or DER\)/],
  ['a missing certificate', (s) => unlinkSync(issued(s)), ['export', 'alice'], /certificate [0-9a-f]+ is missing: .*issued\/[0-9a-f]+\.crt does not exist; restore it/],
  ['a missing key', (s) => unlinkSync(join(s, 'keys/alice.key')), ['export', 'alice'], /the key of alice is missing: .*keys\/alice\.key does not exist/],
  ['a corrupt key', (s) => corrupt(join(s, 'keys/alice.key')), ['export', '--format', 'pem', 'alice'], /the key of alice .*keys\/alice\.key is not a readable private key/],
  ['a key readable by others', (s) => chmodSync(join(s, 'keys/alice.key'), 0o640), ['export', 'alice'], /keys\/alice\.key is readable by others \(mode 0640\)/],
  ['a corrupt request', (s) => editIndex(s, (i) => (i.requests[0].csr = i.requests[0].csr.replace(/\n[^-\n]+/g, (line) => line.replace(/[A-Z]/g, 'A')))), ['sign', 'pending'], /request pending is not a (valid )?certificate signing request/],
  // Values that would be half-used if the index were not validated when read (SPEC "Trust of the store").
  ['a CRL number that is text', (s) => editIndex(s, (i) => (i.crlNumber = '7')), ['crl'], /index\.json is damaged: "crlNumber" is not a whole number/],
  ['a revocation time that is not a date', (s) => editIndex(s, (i) => Object.assign(i.certificates[1], { status: 'revoked', revokedAt: 'yesterday' })), ['crl'], /certificate #2 "revokedAt" is not a date/],
  ['SANs that are text, not a list', (s) => editIndex(s, (i) => (i.certificates[1].sans = 'DNS:x')), ['list'], /certificate #2 "sans" is not a list/],
  ['a serial that is not hex', (s) => editIndex(s, (i) => (i.certificates[1].serial = 'zz')), ['list'], /certificate #2 "serial" is not valid/],
  ['a serial used twice', (s) => editIndex(s, (i) => (i.certificates[1].serial = i.certificates[0].serial)), ['list'], /certificate #2 repeats serial/],
  ['an unknown status', (s) => editIndex(s, (i) => (i.certificates[1].status = 'fine')), ['list'], /certificate #2 "status" is not one of valid, revoked, superseded/],
  ['a subject with an escape sequence', (s) => editIndex(s, (i) => (i.certificates[1].subject = 'CN=\u001b[31mred')), ['list'], /certificate #2 "subject" is not valid/],
  ['a cluster id that is not a UUID', (s) => writeFileSync(join(s, 'store.json'), JSON.stringify({ format: 1, name: 'x', clusterId: '../../etc', createdAt: '2026-01-01T00:00:00Z' })), ['list'], /store\.json is damaged: "clusterId" is not a UUID/],
  // Profiles that would make certificates RFC 5280 forbids, refused naming the file and the field.
  ['a profile with keyCertSign on a leaf', (s) => profile(s, 'api', { ...PROFILE, keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'] }), ['create-api-certificate', 'bob'], /invalid profile .*profiles\/api\.json: "keyUsage" holds keyCertSign, which only a CA certificate may have/],
  ['a profile with key agreement, used for an RSA key', (s) => profile(s, 'api', { ...PROFILE, keyUsage: ['digitalSignature', 'keyAgreement'] }), ['create-api-certificate', 'bob'], /profiles\/api\.json: "keyUsage" holds keyAgreement, which an RSA key cannot have/],
  ['a profile with time stamping beside serverAuth', (s) => profile(s, 'api', { ...PROFILE, extKeyUsage: ['serverAuth', 'timeStamping'] }), ['create-api-certificate', 'bob'], /"extKeyUsage" holds timeStamping beside other purposes/],
  ['a profile with a misspelt field', (s) => profile(s, 'api', { ...PROFILE, extKeyUsages: [] }), ['create-api-certificate', 'bob'], /"extKeyUsages" is not a profile field/],
  ['a profile with an unknown usage', (s) => profile(s, 'api', { ...PROFILE, keyUsage: ['signEverything'] }), ['create-api-certificate', 'bob'], /"keyUsage" holds "signEverything", which is not one of/],
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

test('a journal line cut short by a crash was never committed: it is ignored, then cut off by the next change', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clusterca-torn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(pristine, '.ca'), join(dir, '.ca'), { recursive: true });
  caOk(dir, ['create-api-certificate', 'bob']);
  const journal = join(dir, '.ca/journal.jsonl');
  const whole = readFileSync(journal, 'utf8');
  writeFileSync(journal, `${whole}{"seq":99,"ops":[{"op":"revoke","serial":"`);
  assert.match(caOk(dir, ['list']).out, /^bob\tapi\tvalid\t/m, 'the half line is not read');
  caOk(dir, ['create-api-certificate', 'carol']);
  const lines = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
  assert.equal(lines.length, 2, 'the half line is gone, the new change follows the last whole one');
  for (const line of lines) JSON.parse(line);
});

test('a journal line damaged in the middle is refused, naming the journal', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clusterca-journal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(pristine, '.ca'), join(dir, '.ca'), { recursive: true });
  caOk(dir, ['create-api-certificate', 'bob']);
  caOk(dir, ['create-api-certificate', 'carol']);
  const journal = join(dir, '.ca/journal.jsonl');
  writeFileSync(journal, readFileSync(journal, 'utf8').replace('"op":"issue"', '"op":"isue"'));
  const before = treeDigest(join(dir, '.ca'));
  const r = ca(dir, ['list']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the journal .*journal\.jsonl is damaged: the line at byte 0, change #1 is of no known kind \("isue"\); restore the store from a backup/);
  assert.equal(treeDigest(join(dir, '.ca')), before);
});
