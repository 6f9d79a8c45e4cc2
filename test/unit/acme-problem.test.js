// ACME problem documents (RFC 8555 6.7, RFC 7807) and how a CaError becomes one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AcmeProblem, PROBLEM_STATUS, problemFromError, renderProblem } from '../../dist/server/acme/problem.js';
import { denied, failure, missing, unauthenticated, usageError, alreadyExists } from '../../dist/error.js';

test('a problem renders as application/problem+json with the URN type, detail and status', () => {
  const r = renderProblem(new AcmeProblem('badNonce', 'the nonce has expired'));
  assert.equal(r.status, 400);
  assert.equal(r.contentType, 'application/problem+json');
  assert.deepEqual(JSON.parse(r.body), { type: 'urn:ietf:params:acme:error:badNonce', detail: 'the nonce has expired', status: 400 });
});

test('badSignatureAlgorithm carries the algorithms; subproblems name their identifier', () => {
  const alg = new AcmeProblem('badSignatureAlgorithm', 'alg none is not accepted', { algorithms: ['RS256', 'ES256'] });
  assert.deepEqual(alg.document().algorithms, ['RS256', 'ES256']);
  const sub = new AcmeProblem('rejectedIdentifier', 'some names are not allowed', {
    subproblems: [{ type: 'rejectedIdentifier', detail: 'outside the CA', identifier: { type: 'dns', value: 'evil.test' } }],
  });
  assert.deepEqual(sub.document().subproblems, [
    { type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: 'outside the CA', identifier: { type: 'dns', value: 'evil.test' } },
  ]);
});

test('every RFC 8555 6.7 type asked for has its status', () => {
  const want = {
    badNonce: 400, badSignatureAlgorithm: 400, malformed: 400, unauthorized: 403, accountDoesNotExist: 400,
    rejectedIdentifier: 400, badCSR: 400, orderNotReady: 403, rateLimited: 429, serverInternal: 500,
    unsupportedIdentifier: 400, externalAccountRequired: 400, badPublicKey: 400, alreadyRevoked: 400,
    badRevocationReason: 400, caa: 403, dns: 400, connection: 400, tls: 400, incorrectResponse: 403,
  };
  for (const [type, status] of Object.entries(want)) {
    assert.equal(PROBLEM_STATUS[type], status, type);
    assert.equal(new AcmeProblem(type, 'x').document().type, `urn:ietf:params:acme:error:${type}`);
  }
});

test('a CaError becomes the problem its refusal means; anything else is serverInternal, without details', () => {
  const cases = [
    [unauthenticated('no such account'), 'unauthorized', 403],
    [denied('not yours', 'ask its owner'), 'unauthorized', 403],
    [missing('no such order'), 'malformed', 404],
    [alreadyExists('a key change to a key that has an account', 'use another key'), 'malformed', 409],
    [usageError('invalid name "x y"'), 'malformed', 400],
    [failure('the CSR names more than the order'), 'malformed', 400],
  ];
  for (const [err, type, status] of cases) {
    const p = problemFromError(err);
    assert.deepEqual([p.type, p.status], [type, status], err.message);
  }
  assert.equal(problemFromError(denied('not yours', 'ask its owner')).message, 'not yours; ask its owner');
  assert.equal(problemFromError(failure('the CSR names more than the order'), 'badCSR').type, 'badCSR');
  const internal = problemFromError(new Error('/secret/path: EACCES'));
  assert.deepEqual([internal.type, internal.status], ['serverInternal', 500]);
  assert.doesNotMatch(internal.message, /secret/);
  const same = new AcmeProblem('rateLimited', 'slow down');
  assert.equal(problemFromError(same), same);
});
