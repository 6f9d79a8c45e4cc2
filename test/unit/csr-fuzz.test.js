// Property: whatever bytes arrive as a CSR — mutated, truncated, extended, re-armoured, with subjects
// of any string type — the parser returns a request or throws our own CaError, never anything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildRequest, readRequest } from '../../dist/pki/csr.js';
import { parseAltNames } from '../../dist/pki/san.js';
import { CaError } from '../../dist/error.js';
import { rsaKey } from '../helpers/keys.js';
import { STRING_TYPES, craftRequest, encodeString } from '../helpers/csr.js';

const GOOD = buildRequest({
  subject: { commonName: 'fuzz.example', organization: 'Acme' },
  altNames: parseAltNames({ domains: ['fuzz.example', '*.fuzz.example'], ips: ['10.0.0.1', 'fd00::1'] }),
  key: rsaKey(2048, 3),
});
const DER = Buffer.from(GOOD.replace(/-----[^-]+-----|\s/g, ''), 'base64');

function outcome(input) {
  try {
    readRequest(input, 'fuzz.csr');
    return 'parsed';
  } catch (err) {
    if (err instanceof CaError) return 'refused';
    throw new Error(`not a CaError: ${err?.stack ?? err}`);
  }
}

const armour = (der) => `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;

test('the good request parses (the properties below start from it)', () => {
  assert.equal(outcome(GOOD), 'parsed');
  assert.equal(outcome(DER), 'parsed');
});

test('byte mutations of a valid DER request: parsed or refused, never a crash', () => {
  const mutation = fc.array(fc.record({ at: fc.nat(DER.length - 1), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 });
  fc.assert(
    fc.property(mutation, fc.boolean(), (changes, asPem) => {
      const bytes = Buffer.from(DER);
      for (const { at, value } of changes) bytes[at] = value;
      outcome(asPem ? armour(bytes) : bytes);
    }),
    { numRuns: 3000 },
  );
});

test('truncated, extended and spliced requests: parsed or refused, never a crash', () => {
  fc.assert(
    fc.property(fc.nat(DER.length), fc.uint8Array({ maxLength: 64 }), fc.nat(DER.length), (cut, extra, splice) => {
      outcome(Buffer.concat([DER.subarray(0, cut), Buffer.from(extra)]));
      outcome(Buffer.concat([DER.subarray(0, splice), Buffer.from(extra), DER.subarray(splice)]));
    }),
    { numRuns: 2000 },
  );
});

test('arbitrary bytes and arbitrary PEM-looking text: refused, never a crash', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      assert.equal(outcome(Buffer.from(bytes)), 'refused');
    }),
    { numRuns: 2000 },
  );
  const label = fc.constantFrom('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST', 'CERTIFICATE', 'PRIVATE KEY', 'X');
  fc.assert(
    fc.property(label, fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (type, text, body) => {
      outcome(`${text}-----BEGIN ${type}-----\n${Buffer.from(body).toString('base64')}\n-----END ${type}-----\n${text}`);
      outcome(text);
    }),
    { numRuns: 2000 },
  );
});

test('subjects of every string type with arbitrary content: refused, or taken only when the flags would take them', () => {
  const key = rsaKey(2048, 3);
  const types = fc.constantFrom(...Object.keys(STRING_TYPES));
  const value = fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }));
  fc.assert(
    fc.property(types, value, types, value, (cnType, cn, oType, o) => {
      const subject = [['CN', cnType, typeof cn === 'string' ? encodeString(cnType, cn) : cn], ['O', oType, typeof o === 'string' ? encodeString(oType, o) : o]];
      let info;
      try {
        info = readRequest(craftRequest({ subject, key }), 'fuzz.csr');
      } catch (err) {
        if (err instanceof CaError) return;
        throw new Error(`not a CaError: ${err?.stack ?? err}`);
      }
      for (const text of [info.subject.commonName, info.subject.organization]) {
        assert.ok([...text].length >= 1 && [...text].length <= 64, JSON.stringify(text));
        assert.doesNotMatch(text, /[\u0000-\u001f\u007f-\u009f]/);
      }
    }),
    { numRuns: 1500 },
  );
});
