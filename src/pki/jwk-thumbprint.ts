/**
 * The JWK thumbprint (RFC 7638): SHA-256 over the key's required members only, in lexicographic
 * order, without whitespace, base64url. ACME names an account key by it and puts it in every
 * challenge's key authorization (RFC 8555 8.1), so it lives here, where both the server and the use
 * cases may reach it.
 */
import { createHash } from 'node:crypto';
import { failure } from '../error.js';

/** The required members of each key type (RFC 7638 3.2, RFC 8037 2), already in lexicographic order. */
const REQUIRED: Record<string, readonly string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
};

/** The thumbprint of a public JWK; throws if its `kty` is none of RSA, EC, OKP or a member is missing. */
export function jwkThumbprint(jwk: { readonly [member: string]: unknown }): string {
  const members = typeof jwk.kty === 'string' ? REQUIRED[jwk.kty] : undefined;
  if (!members) throw failure(`no JWK thumbprint for kty ${JSON.stringify(jwk.kty)}`);
  const canonical: Record<string, string> = {};
  for (const m of members) {
    const value = jwk[m];
    if (typeof value !== 'string') throw failure(`the JWK has no "${m}"`);
    canonical[m] = value;
  }
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}
