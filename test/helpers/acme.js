// For tests of `ca serve --acme`: free loopback ports, pebble-challtestsrv as the test DNS server
// (every A answer is 127.0.0.1), and a small ACME client of our own, to send what real clients
// never would (RFC 8555 6.2: flattened JWS, ES256 account keys).
import assert from 'node:assert/strict';
import { createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { createServer as createTcpServer } from 'node:net';
import { https } from './serve.js';

export async function freeTcpPort() {
  const s = createTcpServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

export async function freeUdpPort() {
  const s = createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** pebble-challtestsrv on free ports; resolves once it answers (asked a few times, 100 ms apart). */
export async function startTestDns() {
  const dnsPort = await freeUdpPort();
  const management = await freeTcpPort();
  const child = spawn('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${management}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-http01', '', '-https01', '', '-tlsalpn01', ''], { stdio: 'ignore' });
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${dnsPort}`]);
  for (let i = 0; i < 50; i++) {
    if (await resolver.resolve4('ready.example.test').then(() => true, () => false)) return { port: dnsPort, management, stop: () => child.kill() };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('pebble-challtestsrv did not start');
}

/** A new ES256 account key, with its public JWK and RFC 7638 thumbprint; `kid` once registered. */
export function accountKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const thumbprint = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
  return { privateKey, jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, thumbprint, kid: undefined };
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * RFC 8555 7.3.4: the externalAccountBinding of a newAccount to `url`: HS256 over the account's
 * JWK with the HMAC key, `kid` the key id, no nonce. `jwk` to bind another key than the account's.
 */
export function eabBinding(acct, { kid, hmac, url, jwk = acct.jwk, alg = 'HS256' }) {
  const protectedB64 = b64({ alg, kid, url });
  const payloadB64 = b64(jwk);
  const signature = createHmac('sha256', Buffer.from(hmac, 'base64url')).update(`${protectedB64}.${payloadB64}`).digest('base64url');
  return { protected: protectedB64, payload: payloadB64, signature };
}

/** A client of the server at `base()` (its URL may change across restarts), trusting the CA file `ca`. */
export function acmeClient(base, ca) {
  async function nonce() {
    const r = await https(`${base()}/acme/new-nonce`, { method: 'HEAD', ca });
    return r.headers['replay-nonce'];
  }

  function jws(acct, url, payload, n, jwkInstead) {
    const header = { alg: 'ES256', nonce: n, url, ...(acct.kid && !jwkInstead ? { kid: acct.kid } : { jwk: acct.jwk }) };
    const protectedB64 = b64(header);
    const payloadB64 = payload === '' ? '' : b64(payload);
    const signature = sign('sha256', Buffer.from(`${protectedB64}.${payloadB64}`), { key: acct.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return JSON.stringify({ protected: protectedB64, payload: payloadB64, signature });
  }

  /**
   * A POST signed by `acct` (its kid once it has one); `payload` '' for a POST-as-GET. `n`: the
   * nonce to use (a fresh one otherwise); `signedUrl`: the url the JWS names, if not `url`.
   */
  async function post(acct, url, payload, { n, signedUrl, jwkInstead = false } = {}) {
    const body = jws(acct, signedUrl ?? url, payload, n ?? (await nonce()), jwkInstead);
    const r = await https(url, { method: 'POST', ca, headers: { 'content-type': 'application/jose+json' }, body });
    return { ...r, data: r.text && !r.text.startsWith('-----') ? JSON.parse(r.text) : {} };
  }

  /** newAccount for `acct` with `binding` (an ACME token's { kid, hmac }, or a ready binding object). */
  async function newAccount(acct, binding) {
    const url = `${base()}/acme/new-account`;
    const externalAccountBinding = binding === undefined ? undefined : binding.protected ? binding : eabBinding(acct, { ...binding, url });
    const r = await post(acct, url, { termsOfServiceAgreed: true, ...(externalAccountBinding ? { externalAccountBinding } : {}) });
    if (r.status === 201) acct.kid = r.headers.location;
    return r;
  }

  const newOrder = (acct, names) => post(acct, `${base()}/acme/new-order`, { identifiers: names.map((value) => ({ type: /^[0-9.]+$|:/.test(value) ? 'ip' : 'dns', value })) });

  /** A new account of a new key, asserted made. */
  async function register() {
    const acct = accountKey();
    const r = await newAccount(acct);
    assert.equal(r.status, 201, r.text);
    return acct;
  }

  /** A new order for `identifiers` ({type, value}), asserted made, and its authorizations, read. */
  async function order(acct, identifiers) {
    const r = await post(acct, `${base()}/acme/new-order`, { identifiers });
    assert.equal(r.status, 201, r.text);
    const authzs = await Promise.all(r.data.authorizations.map(async (u) => (await post(acct, u, '')).data));
    return { order: r.data, orderUrl: r.headers.location, authzs };
  }

  return { nonce, post, newAccount, newOrder, register, order };
}

/** RFC 8555 7.3.5: the inner JWS of a keyChange, signed by `newKey` with its jwk and no nonce, for `acct`. */
export function innerKeyChange(acct, newKey, url) {
  const protectedB64 = b64({ alg: 'ES256', jwk: newKey.jwk, url });
  const payloadB64 = b64({ account: acct.kid, oldKey: acct.jwk });
  const signature = sign('sha256', Buffer.from(`${protectedB64}.${payloadB64}`), { key: newKey.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return { protected: protectedB64, payload: payloadB64, signature };
}

/** The answer is the ACME problem `type` with `status`, and carries a fresh nonce (RFC 8555 6.5). */
export function assertProblem(r, type, status) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.data.type, `urn:ietf:params:acme:error:${type}`, r.text);
  assert.ok(r.headers['replay-nonce'], 'a refusal carries a fresh nonce');
}
