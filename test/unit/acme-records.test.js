// The ACME records the store keeps (index "acme", journal op "acme") are validated like the rest of
// the index: a record someone edited into something else stops the store from opening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateAcmeRecord, validateAcmeRecords, withAcmeRecord } from '../../dist/store/acme-records.js';

const ID = 'CVtySlh5YjA3NfSOEu7qMA';
const account = { kind: 'account', id: ID, thumbprint: 'abc_DEF-123', jwk: { kty: 'EC', crv: 'P-256', x: 'xx', y: 'yy' }, contact: ['mailto:a@example.test'], status: 'valid' };
const order = { kind: 'order', id: ID, accountId: ID, status: 'valid', expires: '2026-12-14T00:00:00.000Z', identifiers: [{ type: 'dns', value: 'a.example.test' }], authorizations: [ID], serial: '5773' };
const authz = { kind: 'authz', id: ID, accountId: ID, identifier: { type: 'ip', value: '10.0.0.1' }, status: 'invalid', expires: '2026-12-14T00:00:00.000Z', challenges: [{ type: 'http-01', token: ID, status: 'invalid', error: { type: 'connection', detail: 'no answer' } }] };

test('well-formed account, order and authorization records are taken as they are', () => {
  for (const r of [account, order, authz]) assert.deepEqual(validateAcmeRecord(structuredClone(r), 'change #1', 'journal'), r);
});

test('a damaged record is refused: unknown kind, bad id, a private key member, a status of no kind, a contact that is no mailto', () => {
  const bad = [
    { ...account, kind: 'user' },
    { ...account, id: '../../etc' },
    { ...account, jwk: { ...account.jwk, d: 'secret' } },
    { ...order, status: 'done' },
    { ...order, identifiers: [{ type: 'email', value: 'a@b' }] },
    { ...account, contact: ['tel:+123'] },
    { ...authz, challenges: [{ type: 'http-02', token: ID, status: 'pending' }] },
    { ...authz, wildcard: 'yes' },
  ];
  for (const r of bad) assert.throws(() => validateAcmeRecord(r, 'change #1', 'journal'), /is damaged/, JSON.stringify(r));
});

test('a wildcard authorization with its dns-01 challenge is kept as it is', () => {
  const wildcard = { ...authz, wildcard: true, challenges: [{ type: 'dns-01', token: ID, status: 'pending' }] };
  assert.deepEqual(validateAcmeRecord(wildcard, 'change #1', 'journal'), wildcard);
});

test('an authorization offering tls-alpn-01 (RFC 8737) is kept as it is', () => {
  const offered = { ...authz, status: 'pending', challenges: [{ type: 'http-01', token: ID, status: 'pending' }, { type: 'tls-alpn-01', token: ID, status: 'invalid', error: { type: 'tls', detail: 'no acme-tls/1' } }] };
  assert.deepEqual(validateAcmeRecord(structuredClone(offered), 'change #1', 'journal'), offered);
});

test('a record replaces the one of its kind and id, in new lists', () => {
  const first = withAcmeRecord(undefined, account);
  const second = withAcmeRecord(first, { ...account, status: 'deactivated' });
  assert.equal(first.accounts[0].status, 'valid');
  assert.deepEqual(second.accounts.map((a) => a.status), ['deactivated']);
  assert.deepEqual(validateAcmeRecords(second, 'index'), second);
});
