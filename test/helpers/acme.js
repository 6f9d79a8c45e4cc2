// What ACME tests share: free loopback ports, pebble-challtestsrv as the DNS server names are
// resolved through (every A answer 127.0.0.1), and a small ACME client of our own, to send what
// real clients never would.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
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

/** pebble-challtestsrv answering DNS on a free port; resolves once it answers (asked 100 ms apart, at most 50 times). */
export async function startChallTestSrv() {
  const dnsPort = await freeUdpPort();
  const management = await freeTcpPort();
  const child = spawn('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${management}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-http01', '', '-https01', '', '-tlsalpn01', ''], { stdio: 'ignore' });
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${dnsPort}`]);
  for (let i = 0; i < 50; i++) {
    if (await resolver.resolve4('ready.example.test').then(() => true, () => false)) return { dnsPort, management, stop: () => child.kill() };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('pebble-challtestsrv did not start');
}

/** An ES256 account key, with its RFC 7638 thumbprint. */
export function account() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const thumbprint = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
  return { privateKey, jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, thumbprint, kid: undefined };
}

/** A client of the server at `serverUrl` (its TLS verified with the `caFile`). */
export function acmeClient(serverUrl, caFile) {
  const nonce = async () => (await https(`${serverUrl}/acme/new-nonce`, { method: 'HEAD', ca: caFile })).headers['replay-nonce'];
  const jws = (acct, url, payload, n) => {
    const header = { alg: 'ES256', nonce: n, url, ...(acct.kid ? { kid: acct.kid } : { jwk: acct.jwk }) };
    const protectedB64 = Buffer.from(JSON.stringify(header)).toString('base64url');
    const payloadB64 = payload === '' ? '' : Buffer.from(JSON.stringify(payload)).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${protectedB64}.${payloadB64}`), { key: acct.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return JSON.stringify({ protected: protectedB64, payload: payloadB64, signature });
  };
  const post = async (acct, url, payload) => {
    const r = await https(url, { method: 'POST', ca: caFile, headers: { 'content-type': 'application/jose+json' }, body: jws(acct, url, payload, await nonce()) });
    return { ...r, data: r.text && !r.text.startsWith('-----') ? JSON.parse(r.text) : {} };
  };
  const register = async () => {
    const acct = account();
    const r = await post(acct, `${serverUrl}/acme/new-account`, { termsOfServiceAgreed: true });
    assert.equal(r.status, 201, r.text);
    acct.kid = r.headers.location;
    return acct;
  };
  /** A new order for `identifiers` ({type, value}) and its authorizations, read. */
  const order = async (acct, identifiers) => {
    const r = await post(acct, `${serverUrl}/acme/new-order`, { identifiers });
    assert.equal(r.status, 201, r.text);
    const authzs = await Promise.all(r.data.authorizations.map(async (u) => (await post(acct, u, '')).data));
    return { order: r.data, orderUrl: r.headers.location, authzs };
  };
  return { nonce, post, register, order };
}
