/**
 * Account keys: a JWK from a JWS header (or the one an account was stored with) made into a key that
 * verifies exactly one `alg`. RFC 8555 6.2 leaves the algorithms to the server; these four are what
 * certbot (RS256), lego (ES256, ES384, RS256) and cert-manager send, with EdDSA (RFC 8037) for
 * clients that use Ed25519. The JWK's kty/crv must be the alg's (RFC 7518 3.1: an ES256 header
 * with an Ed25519 key is refused, not verified some other way).
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { jwkThumbprint } from '../../pki/jwk-thumbprint.js';
import { AcmeProblem } from './problem.js';

export const JWS_ALGORITHMS = ['RS256', 'ES256', 'ES384', 'EdDSA'] as const;
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

/** What each alg needs of the key, and how Node verifies it. */
const BY_ALG: Record<JwsAlgorithm, { kty: string; crv?: string; digest: string | null; signatureBytes?: number }> = {
  RS256: { kty: 'RSA', digest: 'sha256' },
  ES256: { kty: 'EC', crv: 'P-256', digest: 'sha256', signatureBytes: 64 },
  ES384: { kty: 'EC', crv: 'P-384', digest: 'sha384', signatureBytes: 96 },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', digest: null, signatureBytes: 64 },
};

/**
 * RSA sizes taken: below 2048 is refused by every current CA (Boulder's goodkey too); up to 8192
 * because lego offers rsa8192 keys, and a bound so a huge modulus cannot make each verify slow.
 */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 8192;

/** An account key: the key, the alg it signs with, its canonical public JWK and thumbprint. */
export interface AccountKey {
  alg: JwsAlgorithm;
  key: KeyObject;
  /** as Node exports it: the public members only, minimal encodings, so one key has one JWK */
  jwk: JsonWebKey;
  /** RFC 7638, what an account is found by and what key authorizations carry */
  thumbprint: string;
}

export function isJwsAlgorithm(alg: unknown): alg is JwsAlgorithm {
  return typeof alg === 'string' && (JWS_ALGORITHMS as readonly string[]).includes(alg);
}

/** Node's verify arguments for `alg`. */
export function verifyParams(alg: JwsAlgorithm): { digest: string | null; signatureBytes: number | undefined } {
  return { digest: BY_ALG[alg].digest, signatureBytes: BY_ALG[alg].signatureBytes };
}

/** `jwk` as a key that verifies `alg`; refused as malformed, badSignatureAlgorithm or badPublicKey. */
export function accountKey(jwk: unknown, alg: JwsAlgorithm): AccountKey {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new AcmeProblem('malformed', 'the "jwk" is not a JSON object');
  const given = jwk as Record<string, unknown>;
  const want = BY_ALG[alg];
  if (given.kty !== want.kty || (want.crv !== undefined && given.crv !== want.crv)) {
    const has = `${String(given.kty)}${given.crv === undefined ? '' : ` ${String(given.crv)}`}`;
    throw new AcmeProblem('badSignatureAlgorithm', `alg ${alg} needs a ${want.kty}${want.crv ? ` ${want.crv}` : ''} key; the jwk is ${has}`, { algorithms: JWS_ALGORITHMS });
  }
  // A JWK with "d" is a private key: Node would take its public half, but a client sending its private
  // key has made a mistake worth telling rather than hiding.
  if ('d' in given) throw new AcmeProblem('malformed', 'the "jwk" holds a private key; send the public key only');
  const key = importPublic(given, want.kty);
  if (want.kty === 'RSA') checkRsa(key);
  const exported = key.export({ format: 'jwk' });
  return { alg, key, jwk: exported, thumbprint: jwkThumbprint(exported as Record<string, unknown>) };
}

/** Only the required members go to Node, so "alg", "use", "key_ops" and the like cannot change what it imports. */
function importPublic(given: Record<string, unknown>, kty: string): KeyObject {
  const members = kty === 'RSA' ? ['kty', 'n', 'e'] : kty === 'EC' ? ['kty', 'crv', 'x', 'y'] : ['kty', 'crv', 'x'];
  const jwk: Record<string, string> = {};
  for (const m of members) {
    const value = given[m];
    if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value)) throw new AcmeProblem('malformed', `the "jwk" has no base64url "${m}"`);
    jwk[m] = value;
  }
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    throw new AcmeProblem('badPublicKey', `the "jwk" is not a valid ${kty} public key`);
  }
}

function checkRsa(key: KeyObject): void {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    throw new AcmeProblem('badPublicKey', `the RSA key has ${bits} bits; use ${RSA_MIN_BITS} to ${RSA_MAX_BITS}`);
  }
  const e = key.asymmetricKeyDetails?.publicExponent ?? 0n;
  // An even or tiny exponent is no RSA key anyone generated (RFC 8017 3.1: 3 <= e, e odd).
  if (e < 3n || e % 2n === 0n) throw new AcmeProblem('badPublicKey', 'the RSA key has an invalid public exponent');
}
