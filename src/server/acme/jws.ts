/**
 * The envelope of every ACME POST: a flattened JSON JWS (RFC 7515 7.2.2) read as RFC 8555 6.2 asks.
 * One signature, no unprotected header; the protected header carries `alg` (RS256, ES256, ES384,
 * EdDSA: never `none` nor a MAC), `nonce`, `url`, and exactly one of `jwk` (newAccount, revokeCert
 * by the certificate's key) or `kid` (the account URL, everything else). No extension is understood,
 * so `crit` is refused (RFC 7515 4.1.11) and so is `b64: false` (RFC 7797). Header parameters
 * nobody asked for are ignored (RFC 7515 4), as are unknown members of the JWS object (7.2.1).
 * Parsing checks the form; `verifyJws` checks the signature with the key the header names.
 */
import { verify } from 'node:crypto';
import { MAX_BODY_BYTES } from '../limits.js';
import { accountKey, isJwsAlgorithm, JWS_ALGORITHMS, verifyParams, type AccountKey, type JwsAlgorithm } from './account-key.js';
import { strictJson } from './json.js';
import { AcmeProblem } from './problem.js';

/** The largest JWS read: the server's bound on every request body. */
export const MAX_JWS_BYTES = MAX_BODY_BYTES;

export interface JwsHeader {
  alg: JwsAlgorithm;
  nonce: string;
  url: string;
  /** exactly one of jwk and kid is set */
  jwk?: Record<string, unknown>;
  kid?: string;
}

export interface ParsedJws {
  header: JwsHeader;
  /** the decoded payload; empty for a POST-as-GET (RFC 8555 6.3) */
  payload: Buffer;
  signature: Buffer;
  /** what was signed: ASCII(BASE64URL(protected) '.' BASE64URL(payload)) */
  signingInput: Buffer;
}

/** Which key a route takes: newAccount `jwk`, revokeCert either, every other POST `kid`. */
export type KeyForm = 'jwk' | 'kid' | 'either';

/** The account key stored for an account URL, or undefined if there is no such account. */
export type KidResolver = (kid: string) => Promise<Record<string, unknown> | undefined>;

export interface VerifiedJws extends ParsedJws {
  key: AccountKey;
}

/** `text` as base64url, refused (as `type`) unless it is exactly the canonical unpadded encoding. */
export function base64url(text: unknown, what: string, type: 'malformed' | 'badNonce' = 'malformed'): Buffer {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'base64url') : undefined;
  // Node's decoder skips what is not base64url ("+", "/", "=", spaces); encoding back tells.
  if (!bytes || bytes.toString('base64url') !== text) throw new AcmeProblem(type, `${what} is not base64url`);
  return bytes;
}

/** A JSON object from base64url `text`, duplicate members refused. */
export function base64urlObject(text: unknown, what: string): Record<string, unknown> {
  return jsonObject(base64url(text, what).toString('utf8'), what);
}

function jsonObject(text: string, what: string): Record<string, unknown> {
  const value = strictJson(text, what);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AcmeProblem('malformed', `${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** A request body as a flattened JWS, its form and header checked (not yet its signature). */
/** `inner`: the JWS inside a keyChange (RFC 8555 7.3.5), which must have no nonce. */
export function parseJws(body: Buffer | string, inner = false): ParsedJws {
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (size > MAX_JWS_BYTES) throw new AcmeProblem('malformed', `the JWS is ${size} bytes; at most ${MAX_JWS_BYTES} are read`);
  const outer = strictJson(body.toString(), 'the request body');
  if (typeof outer !== 'object' || outer === null || Array.isArray(outer)) throw new AcmeProblem('malformed', 'the request body is not a JWS object');
  const jws = outer as Record<string, unknown>;
  if ('signatures' in jws) throw new AcmeProblem('malformed', 'the JWS has the general form; send the flattened form with one signature (RFC 8555 6.2)');
  if ('header' in jws) throw new AcmeProblem('malformed', 'the JWS has an unprotected header; RFC 8555 6.2 allows the protected one only');
  if (typeof jws.protected !== 'string' || typeof jws.payload !== 'string' || typeof jws.signature !== 'string') {
    throw new AcmeProblem('malformed', 'the JWS needs "protected", "payload" and "signature" strings');
  }
  const header = readHeader(base64urlObject(jws.protected, 'the protected header'), inner);
  const payload = base64url(jws.payload, 'the payload');
  const signature = base64url(jws.signature, 'the signature');
  return { header, payload, signature, signingInput: Buffer.from(`${jws.protected}.${jws.payload}`, 'ascii') };
}

/** The protected header's members as RFC 8555 6.2 and 6.5 require them. */
function readHeader(h: Record<string, unknown>, inner: boolean): JwsHeader {
  if (!isJwsAlgorithm(h.alg)) {
    const alg = typeof h.alg === 'string' ? h.alg : JSON.stringify(h.alg ?? null);
    throw new AcmeProblem('badSignatureAlgorithm', `alg ${alg} is not accepted; use one of ${JWS_ALGORITHMS.join(', ')}`, { algorithms: JWS_ALGORITHMS });
  }
  if ('crit' in h) throw new AcmeProblem('malformed', 'the protected header has "crit"; no JWS extension is understood here');
  if ('b64' in h && h.b64 !== true) throw new AcmeProblem('malformed', 'the protected header has "b64": the payload must be base64url (RFC 7797 is not supported)');
  if (('jwk' in h) === ('kid' in h)) throw new AcmeProblem('malformed', 'the protected header needs exactly one of "jwk" and "kid"');
  if ('kid' in h && (typeof h.kid !== 'string' || h.kid === '')) throw new AcmeProblem('malformed', 'the "kid" is not an account URL');
  if ('jwk' in h && (typeof h.jwk !== 'object' || h.jwk === null || Array.isArray(h.jwk))) throw new AcmeProblem('malformed', 'the "jwk" is not a JSON object');
  if (inner) {
    // RFC 8555 7.3.5: the inner JWS of a keyChange omits the nonce (the outer one's is spent).
    if ('nonce' in h) throw new AcmeProblem('malformed', 'the inner JWS of a key change must have no "nonce"');
  } else {
    // RFC 8555 6.5: a missing or undecodable nonce is a bad nonce, and the answer carries a new one.
    if (h.nonce === undefined || h.nonce === '') throw new AcmeProblem('badNonce', 'the protected header has no "nonce"; take one from a Replay-Nonce header');
    base64url(h.nonce, 'the "nonce"', 'badNonce');
  }
  if (typeof h.url !== 'string' || h.url === '') throw new AcmeProblem('malformed', 'the protected header has no "url"');
  const header: JwsHeader = { alg: h.alg, nonce: inner ? '' : (h.nonce as string), url: h.url };
  if ('jwk' in h) header.jwk = h.jwk as Record<string, unknown>;
  else header.kid = h.kid as string;
  return header;
}

/**
 * The key the header names, for a route that takes `form`: its own `jwk`, or the account key `kid`
 * names (accountDoesNotExist if none). Either way the key must suit `alg`.
 */
export async function keyOf(jws: ParsedJws, form: KeyForm, keyFor: KidResolver): Promise<AccountKey> {
  const { header } = jws;
  if (header.jwk !== undefined) {
    if (form === 'kid') throw new AcmeProblem('malformed', 'this request is signed by an account: name it with "kid", not "jwk"');
    return accountKey(header.jwk, header.alg);
  }
  if (form === 'jwk') throw new AcmeProblem('malformed', 'this request carries its key: send "jwk", not "kid"');
  const stored = await keyFor(header.kid!);
  if (stored === undefined) throw new AcmeProblem('accountDoesNotExist', `no account is known as ${header.kid}`);
  return accountKey(stored, header.alg);
}

/** Whether `key` signed `jws`; refused as malformed if not. */
export function checkSignature(jws: ParsedJws, key: AccountKey): void {
  const { digest, signatureBytes } = verifyParams(key.alg);
  // ES256/ES384 signatures are R||S of fixed size (RFC 7518 3.4), not DER; EdDSA's is 64 bytes.
  const sizeOk = signatureBytes === undefined || jws.signature.length === signatureBytes;
  const options = key.key.asymmetricKeyType === 'ec' ? { key: key.key, dsaEncoding: 'ieee-p1363' as const } : key.key;
  if (!sizeOk || !verify(digest, jws.signingInput, options, jws.signature)) {
    throw new AcmeProblem('malformed', 'the JWS signature does not verify with its key');
  }
}

/** Parsed, key found, signature verified: a JWS whose header can be trusted as the key holder's. */
export async function verifyJws(body: Buffer | string, form: KeyForm, keyFor: KidResolver): Promise<VerifiedJws> {
  const jws = parseJws(body);
  const key = await keyOf(jws, form, keyFor);
  checkSignature(jws, key);
  return { ...jws, key };
}

/** The payload as a JSON object (duplicates refused); for a POST-as-GET, refused: it has none. */
export function payloadObject(jws: ParsedJws): Record<string, unknown> {
  if (jws.payload.length === 0) throw new AcmeProblem('malformed', 'the request has an empty payload; this resource needs a JSON object');
  return jsonObject(jws.payload.toString('utf8'), 'the payload');
}
