import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyIndex, parseIndex, serializeIndex } from '../../dist/store/index-file.js';
import { indexEntry } from '../helpers/index-entry.js';

const entry = (name, serial, fields = {}) => indexEntry(name, { serial, sans: [`DNS:${name}.test`], keyType: 'ECDSA P-256', ...fields });

const index = () => ({
  ...emptyIndex(),
  certificates: [entry('a', '0a0a'), entry('b', '0b0b', { status: 'revoked', revokedAt: '2026-02-01T00:00:00.000Z', revocationReason: 'keyCompromise' })],
});

test('a snapshot is sealed with the SHA-256 of its text, and reads back as what was written', () => {
  const text = serializeIndex(index()).toString('utf8');
  assert.match(text, /,\n {2}"seal": "[0-9a-f]{64}"\n\}\n$/);
  assert.doesNotThrow(() => JSON.parse(text));
  assert.deepEqual(parseIndex(text, 'index.json'), parseIndex(serializeIndex(parseIndex(text, 'index.json')).toString('utf8'), 'index.json'));
  assert.deepEqual(parseIndex(text, 'index.json').certificates, index().certificates);
});

test('an entry changed after sealing is checked, and a damaged one is reported as without a seal', () => {
  const text = serializeIndex(index()).toString('utf8');
  const damaged = text.replace('"serial": "0b0b"', '"serial": "not hex"');
  assert.notEqual(damaged, text);
  assert.throws(() => parseIndex(damaged, 'index.json'), /the index index\.json is damaged: certificate #2 "serial" is not valid \("not hex"\)/);
  // Without the seal (an index written by hand, or by a version before seals), it is checked too.
  const unsealed = damaged.replace(/,\n {2}"seal": "[0-9a-f]{64}"\n\}\n$/, '\n}\n');
  assert.throws(() => parseIndex(unsealed, 'index.json'), /certificate #2 "serial" is not valid/);
  // A revoked entry without its time is refused, sealed or edited.
  const noTime = text.replace('"revokedAt": "2026-02-01T00:00:00.000Z"', '"revokedAt": null');
  assert.throws(() => parseIndex(noTime, 'index.json'), /certificate #2 "revokedAt" is missing for a revoked certificate/);
});

test('a format 1 index, which has no seal, is checked and upgraded as before', () => {
  const v1 = { version: 1, certificates: [{ ...entry('a', '0a0a'), hasKey: undefined, publicKey: undefined }], requests: [] };
  const read = parseIndex(JSON.stringify(v1), 'index.json');
  assert.equal(read.certificates[0].publicKey, null);
  assert.equal(read.certificates[0].hasKey, false); // an outside request's certificate: no key here
});
