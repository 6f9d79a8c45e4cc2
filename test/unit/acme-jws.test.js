// The ACME request envelope (RFC 8555 6.2-6.5, RFC 7515 flattened JSON): each refusal written as
// what a client or an attacker would send, signed with real keys from Node's crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { parseJws, payloadObject, verifyJws, MAX_JWS_BYTES } from '../../dist/server/acme/jws.js';
import { JWS_ALGORITHMS } from '../../dist/server/acme/account-key.js';
import { checkEab } from '../../dist/server/acme/eab.js';
import { verifyRequest } from '../../dist/server/acme/request.js';
import { MemoryNonceStore } from '../../dist/server/acme/nonces.js';
import { AcmeProblem } from '../../dist/server/acme/problem.js';
import { jwkThumbprint } from '../../dist/pki/jwk-thumbprint.js';

const URL_NEW_ACCOUNT = 'https://ca.test:8443/acme/new-account';
const URL_NEW_ORDER = 'https://ca.test:8443/acme/new-order';
const KID = 'https://ca.test:8443/acme/acct/1';

const KEYS = {
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  EdDSA: generateKeyPairSync('ed25519'),
};
const RSA_1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const publicJwk = (pair) => pair.publicKey.export({ format: 'jwk' });

/** The signature `alg` makes over `input` with `privateKey`, as an ACME client makes it. */
function signature(alg, privateKey, input) {
  if (alg === 'RS256') return sign('sha256', input, privateKey);
  if (alg === 'ES256') return sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  if (alg === 'ES384') return sign('sha384', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return sign(null, input, privateKey);
}

/**
 * A flattened JWS as an object. `header` replaces the protected header (given as an object, or as
 * raw JSON text to send duplicates); by default jwk form, nonce 'n0nce', url URL_NEW_ACCOUNT.
 */
function jws({ alg = 'ES256', pair = KEYS[alg], header, extraHeader = {}, payload = { termsOfServiceAgreed: true } } = {}) {
  const h = header ?? { alg, nonce: 'bm9uY2U', url: URL_NEW_ACCOUNT, jwk: publicJwk(pair), ...extraHeader };
  const protectedB64 = b64(typeof h === 'string' ? h : JSON.stringify(h));
  const payloadB64 = payload === '' ? '' : b64(payload);
  const sig = signature(alg, pair.privateKey, Buffer.from(`${protectedB64}.${payloadB64}`));
  return { protected: protectedB64, payload: payloadB64, signature: sig.toString('base64url') };
}
const body = (o) => JSON.stringify(o);
const noAccounts = async () => undefined;
const accounts = (pair) => async (kid) => (kid === KID ? publicJwk(pair) : undefined);

/** Asserts that `promise` is refused with the ACME problem `type`. */
async function refused(promise, type, detail) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof AcmeProblem, `not an AcmeProblem: ${err}`);
    assert.equal(err.type, type, err.message);
    if (detail) assert.match(err.message, detail);
    return true;
  });
}

for (const alg of JWS_ALGORITHMS) {
  test(`${alg}: a JWS with its jwk is verified, and the key's thumbprint is RFC 7638's`, async () => {
    const v = await verifyJws(body(jws({ alg })), 'jwk', noAccounts);
    assert.equal(v.header.alg, alg);
    assert.equal(v.header.url, URL_NEW_ACCOUNT);
    assert.equal(v.key.thumbprint, jwkThumbprint(publicJwk(KEYS[alg])));
    assert.deepEqual(payloadObject(v), { termsOfServiceAgreed: true });
  });

  test(`${alg}: a JWS naming its account by kid is verified with the account's stored key`, async () => {
    const pair = KEYS[alg];
    const v = await verifyJws(body(jws({ alg, header: { alg, nonce: 'bm9uY2U', url: URL_NEW_ORDER, kid: KID } })), 'kid', accounts(pair));
    assert.equal(v.header.kid, KID);
    assert.equal(v.key.thumbprint, jwkThumbprint(publicJwk(pair)));
  });
}

test('a POST-as-GET (empty payload) verifies; its payload is no object', async () => {
  const v = await verifyJws(body(jws({ header: { alg: 'ES256', nonce: 'bm9uY2U', url: URL_NEW_ORDER, kid: KID }, payload: '' })), 'kid', accounts(KEYS.ES256));
  assert.equal(v.payload.length, 0);
  assert.throws(() => payloadObject(v), (e) => e.type === 'malformed');
});

test('a tampered payload, protected header or signature is refused', async () => {
  const good = jws();
  await refused(verifyJws(body({ ...good, payload: b64({ termsOfServiceAgreed: false }) }), 'jwk', noAccounts), 'malformed', /signature/);
  const otherUrl = jws({ extraHeader: { url: URL_NEW_ORDER } });
  await refused(verifyJws(body({ ...good, protected: otherUrl.protected }), 'jwk', noAccounts), 'malformed', /signature/);
  const sig = Buffer.from(good.signature, 'base64url');
  sig[5] ^= 1;
  await refused(verifyJws(body({ ...good, signature: sig.toString('base64url') }), 'jwk', noAccounts), 'malformed', /signature/);
  // An ECDSA signature in DER (what a client with the wrong encoding sends) is not R||S.
  const der = sign('sha256', Buffer.from(`${good.protected}.${good.payload}`), KEYS.ES256.privateKey);
  await refused(verifyJws(body({ ...good, signature: der.toString('base64url') }), 'jwk', noAccounts), 'malformed', /signature/);
});

test('a header alg that is not the key\'s: ES256 with an Ed25519 key, RS256 with an ES256 key', async () => {
  const header = { alg: 'ES256', nonce: 'bm9uY2U', url: URL_NEW_ACCOUNT, jwk: publicJwk(KEYS.EdDSA) };
  await refused(verifyJws(body(jws({ alg: 'EdDSA', header })), 'jwk', noAccounts), 'badSignatureAlgorithm', /Ed25519/);
  const rs = { alg: 'RS256', nonce: 'bm9uY2U', url: URL_NEW_ACCOUNT, jwk: publicJwk(KEYS.ES256) };
  await refused(verifyJws(body(jws({ alg: 'ES256', header: rs })), 'jwk', noAccounts), 'badSignatureAlgorithm');
  // ES384 header with a P-256 key: the curve must be the alg's too.
  const es = { alg: 'ES384', nonce: 'bm9uY2U', url: URL_NEW_ACCOUNT, jwk: publicJwk(KEYS.ES256) };
  await refused(verifyJws(body(jws({ alg: 'ES256', header: es })), 'jwk', noAccounts), 'badSignatureAlgorithm', /P-384/);
});

test('an RSA key of 1024 bits is refused as badPublicKey, even correctly signed', async () => {
  await refused(verifyJws(body(jws({ alg: 'RS256', pair: RSA_1024 })), 'jwk', noAccounts), 'badPublicKey', /1024 bits/);
});

test('a jwk that is no key: a point off the curve, a member missing', async () => {
  const jwk = publicJwk(KEYS.ES256);
  const y = Buffer.from(jwk.y, 'base64url');
  y[31] ^= 1;
  const offCurve = { alg: 'ES256', nonce: 'bm9uY2U', url: URL_NEW_ACCOUNT, jwk: { ...jwk, y: y.toString('base64url') } };
  await refused(verifyJws(body(jws({ header: offCurve })), 'jwk', noAccounts), 'badPublicKey');
  const noY = { alg: 'ES256', nonce: 'bm9uY2U', url: URL_NEW_ACCOUNT, jwk: { kty: 'EC', crv: 'P-256', x: jwk.x } };
  await refused(verifyJws(body(jws({ header: noY })), 'jwk', noAccounts), 'malformed', /"y"/);
});

test('alg none, an HS256 outer JWS and an unknown alg are refused, listing the algorithms taken', async () => {
  const none = { protected: b64({ alg: 'none', nonce: 'bm9uY2U', url: URL_NEW_ACCOUNT, jwk: publicJwk(KEYS.ES256) }), payload: b64({}), signature: '' };
  await refused(verifyJws(body(none), 'jwk', noAccounts), 'badSignatureAlgorithm', /none/);
  const macKey = randomBytes(32);
  const hsProtected = b64({ alg: 'HS256', nonce: 'bm9uY2U', url: URL_NEW_ORDER, kid: KID });
  const hs = { protected: hsProtected, payload: b64({}), signature: createHmac('sha256', macKey).update(`${hsProtected}.${b64({})}`).digest('base64url') };
  let problem;
  await verifyJws(body(hs), 'kid', accounts(KEYS.ES256)).catch((e) => (problem = e));
  assert.equal(problem.type, 'badSignatureAlgorithm');
  assert.deepEqual(problem.document().algorithms, ['RS256', 'ES256', 'ES384', 'EdDSA']);
  const ps = jws({ header: { alg: 'PS256', nonce: 'bm9uY2U', url: URL_NEW_ACCOUNT, jwk: publicJwk(KEYS.RS256) }, alg: 'RS256' });
  await refused(verifyJws(body(ps), 'jwk', noAccounts), 'badSignatureAlgorithm');
});

test('a missing nonce is badNonce; a missing url malformed; a nonce or url given twice malformed', async () => {
  const jwk = JSON.stringify(publicJwk(KEYS.ES256));
  await refused(verifyJws(body(jws({ header: { alg: 'ES256', url: URL_NEW_ACCOUNT, jwk: publicJwk(KEYS.ES256) } })), 'jwk', noAccounts), 'badNonce');
  await refused(verifyJws(body(jws({ header: { alg: 'ES256', nonce: 'bm9uY2U', jwk: publicJwk(KEYS.ES256) } })), 'jwk', noAccounts), 'malformed', /url/);
  // The second value is what a last-wins parser would read, the first what a first-wins one would.
  const twoNonces = `{"alg":"ES256","nonce":"bm9uY2U","nonce":"b3RoZXI","url":"${URL_NEW_ACCOUNT}","jwk":${jwk}}`;
  await refused(verifyJws(body(jws({ header: twoNonces })), 'jwk', noAccounts), 'malformed', /"nonce" twice/);
  const twoUrls = `{"alg":"ES256","nonce":"bm9uY2U","url":"${URL_NEW_ORDER}","\\u0075rl":"${URL_NEW_ACCOUNT}","jwk":${jwk}}`;
  await refused(verifyJws(body(jws({ header: twoUrls })), 'jwk', noAccounts), 'malformed', /"url" twice/);
  const good = jws();
  const twoPayloads = `{"protected":"${good.protected}","payload":"${good.payload}","payload":"${b64({})}","signature":"${good.signature}"}`;
  await refused(verifyJws(twoPayloads, 'jwk', noAccounts), 'malformed', /"payload" twice/);
  await refused(verifyJws(body(jws({ extraHeader: { nonce: 'not+base64url=' } })), 'jwk', noAccounts), 'badNonce');
});

test('both jwk and kid, or neither, is refused; each route takes only its own form', async () => {
  await refused(verifyJws(body(jws({ extraHeader: { kid: KID } })), 'either', accounts(KEYS.ES256)), 'malformed', /exactly one/);
  await refused(verifyJws(body(jws({ header: { alg: 'ES256', nonce: 'bm9uY2U', url: URL_NEW_ACCOUNT } })), 'either', noAccounts), 'malformed', /exactly one/);
  await refused(verifyJws(body(jws()), 'kid', accounts(KEYS.ES256)), 'malformed', /kid/);
  const byKid = jws({ header: { alg: 'ES256', nonce: 'bm9uY2U', url: URL_NEW_ORDER, kid: KID } });
  await refused(verifyJws(body(byKid), 'jwk', accounts(KEYS.ES256)), 'malformed', /jwk/);
  await refused(verifyJws(body(byKid), 'kid', noAccounts), 'accountDoesNotExist');
  // revokeCert takes either: by the account, or by the certificate's own key.
  assert.ok(await verifyJws(body(byKid), 'either', accounts(KEYS.ES256)));
  assert.ok(await verifyJws(body(jws()), 'either', noAccounts));
  // A kid naming another account's key: that key did not sign it.
  await refused(verifyJws(body(byKid), 'kid', async () => publicJwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }))), 'malformed', /signature/);
});

test('crit and b64:false are refused; a private key sent as the jwk is refused', async () => {
  await refused(verifyJws(body(jws({ extraHeader: { crit: ['exp'], exp: 1 } })), 'jwk', noAccounts), 'malformed', /crit/);
  await refused(verifyJws(body(jws({ extraHeader: { b64: false, crit: ['b64'] } })), 'jwk', noAccounts), 'malformed');
  await refused(verifyJws(body(jws({ extraHeader: { b64: false } })), 'jwk', noAccounts), 'malformed', /b64/);
  const withPrivate = { alg: 'ES256', nonce: 'bm9uY2U', url: URL_NEW_ACCOUNT, jwk: KEYS.ES256.privateKey.export({ format: 'jwk' }) };
  await refused(verifyJws(body(jws({ header: withPrivate })), 'jwk', noAccounts), 'malformed', /private/);
});

test('unknown header parameters, JWS members, jwk members and payload fields are ignored', async () => {
  const jwk = { ...publicJwk(KEYS.ES256), alg: 'ES256', use: 'sig', kid: 'mine' };
  const header = { alg: 'ES256', nonce: 'bm9uY2U', url: URL_NEW_ACCOUNT, jwk, typ: 'JOSE', 'x-vendor': { a: [1] } };
  const payload = { identifiers: [{ type: 'dns', value: 'a.test' }], replaces: 'x', profile: 'y' };
  const v = await verifyJws(body({ ...jws({ header, payload }), comment: 'hi' }), 'jwk', noAccounts);
  assert.deepEqual(payloadObject(v), payload);
  assert.equal(v.key.thumbprint, jwkThumbprint(publicJwk(KEYS.ES256)), 'the thumbprint takes the required members only');
});

test('a body over 64 KiB is refused before it is parsed', async () => {
  const big = body(jws({ payload: { pad: 'x'.repeat(MAX_JWS_BYTES) } }));
  await refused(verifyJws(big, 'jwk', noAccounts), 'malformed', /bytes/);
  assert.throws(() => parseJws(Buffer.alloc(MAX_JWS_BYTES + 1, 0x20)), (e) => e.type === 'malformed');
});

test('a payload, header or signature that is not base64url; the general form; an unprotected header', async () => {
  const good = jws();
  await refused(verifyJws(body({ ...good, payload: `${good.payload}=` }), 'jwk', noAccounts), 'malformed', /payload is not base64url/);
  await refused(verifyJws(body({ ...good, payload: Buffer.from(JSON.stringify({ a: '??>' })).toString('base64') }), 'jwk', noAccounts), 'malformed', /base64url/);
  await refused(verifyJws(body({ ...good, signature: `${good.signature.slice(0, 10)}+${good.signature.slice(11)}` }), 'jwk', noAccounts), 'malformed', /base64url/);
  await refused(verifyJws(body({ ...good, protected: b64('not json') }), 'jwk', noAccounts), 'malformed', /JSON/);
  await refused(verifyJws(body({ ...good, protected: b64([1]) }), 'jwk', noAccounts), 'malformed', /object/);
  await refused(verifyJws(body({ payload: good.payload, signatures: [{ protected: good.protected, signature: good.signature }] }), 'jwk', noAccounts), 'malformed', /general/);
  await refused(verifyJws(body({ ...good, header: { kid: KID } }), 'jwk', noAccounts), 'malformed', /unprotected/);
  await refused(verifyJws('not json', 'jwk', noAccounts), 'malformed');
  await refused(verifyJws('[]', 'jwk', noAccounts), 'malformed');
});

test('RFC 7638 3.1: the example RSA key\'s thumbprint', () => {
  const n =
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
  assert.equal(jwkThumbprint({ kty: 'RSA', n, e: 'AQAB', alg: 'RS256', kid: '2011-04-29' }), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
});

// External Account Binding (RFC 8555 7.3.4), as lego --eab and cert-manager send it.
const EAB_KID = 'kid-1';
const EAB_HMAC = randomBytes(32).toString('base64url');
const eabKeys = async (kid) => (kid === EAB_KID ? EAB_HMAC : undefined);

function eab({ hmac = EAB_HMAC, jwk = publicJwk(KEYS.ES256), url = URL_NEW_ACCOUNT, kid = EAB_KID, alg = 'HS256', extra = {} } = {}) {
  const p = b64({ alg, kid, url, ...extra });
  const payload = b64(jwk);
  return { protected: p, payload, signature: createHmac('sha256', Buffer.from(hmac, 'base64url')).update(`${p}.${payload}`).digest('base64url') };
}

async function accountOf(pair = KEYS.ES256) {
  return (await verifyJws(body(jws({ pair, alg: pair === KEYS.RS256 ? 'RS256' : 'ES256' })), 'jwk', noAccounts)).key;
}

test('EAB: a binding made with the key id and HMAC key is accepted for the key that signed', async () => {
  assert.deepEqual(await checkEab(eab(), await accountOf(), URL_NEW_ACCOUNT, eabKeys), { kid: EAB_KID });
  assert.deepEqual(await checkEab(eab({ jwk: publicJwk(KEYS.RS256) }), await accountOf(KEYS.RS256), URL_NEW_ACCOUNT, eabKeys), { kid: EAB_KID });
});

test('EAB: a wrong HMAC key, another account key, another url or an unknown key id is unauthorized', async () => {
  const account = await accountOf();
  await refused(checkEab(eab({ hmac: randomBytes(32).toString('base64url') }), account, URL_NEW_ACCOUNT, eabKeys), 'unauthorized', /MAC/);
  await refused(checkEab(eab({ jwk: publicJwk(KEYS.EdDSA) }), account, URL_NEW_ACCOUNT, eabKeys), 'unauthorized', /another key/);
  await refused(checkEab(eab({ jwk: publicJwk(generateKeyPairSync('ec', { namedCurve: 'P-256' })) }), account, URL_NEW_ACCOUNT, eabKeys), 'unauthorized', /another key/);
  await refused(checkEab(eab({ url: URL_NEW_ORDER }), account, URL_NEW_ACCOUNT, eabKeys), 'unauthorized', /url/);
  await refused(checkEab(eab({ kid: 'kid-2' }), account, URL_NEW_ACCOUNT, eabKeys), 'unauthorized', /kid-2/);
  const truncated = eab();
  truncated.signature = truncated.signature.slice(0, 24);
  await refused(checkEab(truncated, account, URL_NEW_ACCOUNT, eabKeys), 'unauthorized', /MAC/);
});

test('EAB: absent is externalAccountRequired; a nonce, another alg or no JWS object is malformed', async () => {
  const account = await accountOf();
  await refused(checkEab(undefined, account, URL_NEW_ACCOUNT, eabKeys), 'externalAccountRequired');
  await refused(checkEab(eab({ extra: { nonce: 'bm9uY2U' } }), account, URL_NEW_ACCOUNT, eabKeys), 'malformed', /nonce/);
  await refused(checkEab(eab({ alg: 'HS512' }), account, URL_NEW_ACCOUNT, eabKeys), 'malformed', /HS256/);
  await refused(checkEab('x', account, URL_NEW_ACCOUNT, eabKeys), 'malformed');
});

// The whole check: signature, then nonce (once), then url.
test('a request is verified once: its nonce replayed is badNonce; sent to another URL it is unauthorized', async () => {
  const nonces = new MemoryNonceStore();
  const keyFor = accounts(KEYS.ES256);
  const nonce = await nonces.issue();
  const req = body(jws({ header: { alg: 'ES256', nonce, url: URL_NEW_ORDER, kid: KID } }));
  const v = await verifyRequest({ body: req, url: URL_NEW_ORDER, form: 'kid', nonces, keyFor });
  assert.equal(v.header.nonce, nonce);
  await refused(verifyRequest({ body: req, url: URL_NEW_ORDER, form: 'kid', nonces, keyFor }), 'badNonce');
  const n2 = await nonces.issue();
  const elsewhere = body(jws({ header: { alg: 'ES256', nonce: n2, url: URL_NEW_ORDER, kid: KID } }));
  await refused(verifyRequest({ body: elsewhere, url: 'https://ca.test:8443/acme/revoke-cert', form: 'kid', nonces, keyFor }), 'unauthorized');
  // The same path on another port (the default one): another URL (Boulder #4447).
  const n3 = await nonces.issue();
  const withPort = body(jws({ header: { alg: 'ES256', nonce: n3, url: URL_NEW_ORDER, kid: KID } }));
  await refused(verifyRequest({ body: withPort, url: 'https://ca.test/acme/new-order', form: 'kid', nonces, keyFor }), 'unauthorized', /8443/);
});

test('a request whose signature fails does not spend its nonce', async () => {
  const nonces = new MemoryNonceStore();
  const nonce = await nonces.issue();
  const good = jws({ header: { alg: 'ES256', nonce, url: URL_NEW_ACCOUNT, jwk: publicJwk(KEYS.ES256) } });
  await refused(verifyRequest({ body: body({ ...good, payload: b64({ x: 1 }) }), url: URL_NEW_ACCOUNT, form: 'jwk', nonces, keyFor: noAccounts }), 'malformed');
  assert.ok(await verifyRequest({ body: body(good), url: URL_NEW_ACCOUNT, form: 'jwk', nonces, keyFor: noAccounts }));
});
