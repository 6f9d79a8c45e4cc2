// A small ACME client of our own (RFC 8555 6.2, ES256), to send what real clients never would:
// floods, bad signatures, requests for someone else's resources.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { https } from './serve.js';

/** A new ES256 account key, not yet registered (`kid` undefined). */
export function acmeAccount() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const thumbprint = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
  return { privateKey, jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, thumbprint, kid: undefined };
}

/** The flattened JWS of `payload` ('' for POST-as-GET) for `url`, by `kid` once registered, else by `jwk`. */
export function acmeJws(acct, url, payload, nonce, { jwkInstead = false, badSignature = false } = {}) {
  const header = { alg: 'ES256', nonce, url, ...(acct.kid && !jwkInstead ? { kid: acct.kid } : { jwk: acct.jwk }) };
  const protectedB64 = Buffer.from(JSON.stringify(header)).toString('base64url');
  const payloadB64 = payload === '' ? '' : Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${protectedB64}.${payloadB64}`), { key: acct.privateKey, dsaEncoding: 'ieee-p1363' });
  if (badSignature) signature[0] ^= 0xff;
  return JSON.stringify({ protected: protectedB64, payload: payloadB64, signature: signature.toString('base64url') });
}

/**
 * A client of `serverUrl` trusting the CA in the file `ca`. Each answer's Replay-Nonce is kept for
 * the next request, as real clients do, so a flood costs one request per POST.
 */
export function acmeClient(serverUrl, ca) {
  const spare = [];
  const nonce = async () => {
    if (spare.length > 0) return spare.pop();
    return (await https(`${serverUrl}/acme/new-nonce`, { method: 'HEAD', ca })).headers['replay-nonce'];
  };
  const post = async (acct, url, payload, options = {}) => {
    const body = acmeJws(acct, url, payload, options.nonce ?? (await nonce()), options);
    const r = await https(url, { method: 'POST', ca, headers: { 'content-type': 'application/jose+json' }, body });
    if (r.headers['replay-nonce'] && spare.length < 100) spare.push(r.headers['replay-nonce']);
    return { ...r, data: r.text && !r.text.startsWith('-----') ? JSON.parse(r.text) : {} };
  };
  const register = async () => {
    const acct = acmeAccount();
    const r = await post(acct, `${serverUrl}/acme/new-account`, { termsOfServiceAgreed: true });
    if (r.status !== 201) throw new Error(`new-account answered ${r.status}: ${r.text}`);
    acct.kid = r.headers.location;
    acct.orders = r.data.orders;
    return acct;
  };
  return { nonce, post, register };
}
