/**
 * External Account Binding (RFC 8555 7.3.4): a newAccount's `externalAccountBinding` is a flattened
 * JWS made with an HMAC key handed out beforehand (`ca token create --acme`): protected header
 * `alg` HS256, `kid` the key id, `url` the newAccount URL, no `nonce`; payload the account's own
 * JWK. It proves the account key's holder also holds that HMAC key. The only place a MAC is
 * accepted: the outer JWS of every request is refused with one (jws.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { accountKey, type AccountKey } from './account-key.js';
import { base64url, base64urlObject } from './jws.js';
import { strictJson } from './json.js';
import { AcmeProblem } from './problem.js';

/** What clients send (lego, certbot, cert-manager's default). */
export const EAB_ALGORITHM = 'HS256';

/** The HMAC key (base64url, as handed out) for an EAB key id, or undefined if there is none. */
export type EabKeyResolver = (kid: string) => Promise<string | undefined>;

export interface EabBinding {
  /** the EAB key id the account is bound to */
  kid: string;
}

/**
 * Checks `binding` (the payload's externalAccountBinding) for the newAccount signed by `account`
 * and sent to `url`. Absent, it is externalAccountRequired (call this only where EAB is required);
 * refused as malformed if it is not such a JWS, unauthorized if its key id is
 * unknown, its MAC is wrong, its url is another, or it binds another key.
 */
export async function checkEab(binding: unknown, account: AccountKey, url: string, hmacFor: EabKeyResolver): Promise<EabBinding> {
  if (binding === undefined) throw new AcmeProblem('externalAccountRequired', 'this server binds every account to an external account: send externalAccountBinding with the key id and HMAC key from the CA');
  if (typeof binding !== 'object' || binding === null || Array.isArray(binding)) throw new AcmeProblem('malformed', 'the externalAccountBinding is not a JWS object');
  const jws = binding as Record<string, unknown>;
  if (typeof jws.protected !== 'string' || typeof jws.payload !== 'string' || typeof jws.signature !== 'string') {
    throw new AcmeProblem('malformed', 'the externalAccountBinding needs "protected", "payload" and "signature" strings');
  }
  const header = base64urlObject(jws.protected, 'the externalAccountBinding header');
  if (header.alg !== EAB_ALGORITHM) throw new AcmeProblem('malformed', `the externalAccountBinding alg is ${JSON.stringify(header.alg)}; use ${EAB_ALGORITHM}`);
  if ('nonce' in header) throw new AcmeProblem('malformed', 'the externalAccountBinding header has a "nonce"; RFC 8555 7.3.4 forbids one');
  if ('crit' in header || ('b64' in header && header.b64 !== true)) throw new AcmeProblem('malformed', 'the externalAccountBinding header has an extension; none is understood here');
  if (typeof header.kid !== 'string' || header.kid === '') throw new AcmeProblem('malformed', 'the externalAccountBinding header has no "kid"');
  if (header.url !== url) throw new AcmeProblem('unauthorized', 'the externalAccountBinding "url" is not the newAccount URL');
  const signature = base64url(jws.signature, 'the externalAccountBinding signature');
  const hmac = await hmacFor(header.kid);
  if (hmac === undefined) throw new AcmeProblem('unauthorized', `no external account key is known as ${JSON.stringify(header.kid)}`);
  const mac = createHmac('sha256', base64url(hmac, 'the external account HMAC key')).update(`${jws.protected}.${jws.payload}`, 'ascii').digest();
  // Compared in constant time: a MAC checked byte by byte leaks how much of a forgery is right.
  if (signature.length !== mac.length || !timingSafeEqual(signature, mac)) {
    throw new AcmeProblem('unauthorized', 'the externalAccountBinding MAC does not verify with the external account key');
  }
  const bound = strictJson(base64url(jws.payload, 'the externalAccountBinding payload').toString('utf8'), 'the externalAccountBinding payload');
  if (boundThumbprint(bound, account) !== account.thumbprint) throw new AcmeProblem('unauthorized', 'the externalAccountBinding binds another key than the one that signed the request');
  return { kid: header.kid };
}

/** The thumbprint of the key the binding names, judged as a key for the account's own alg. */
function boundThumbprint(jwk: unknown, account: AccountKey): string | undefined {
  try {
    return accountKey(jwk, account.alg).thumbprint;
  } catch {
    return undefined;
  }
}
