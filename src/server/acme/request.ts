/**
 * One ACME POST checked in the order Boulder checks it: the JWS's form, its key, its signature, then
 * its nonce (spent only by a request its key holder signed), then its `url`. What comes out can be
 * trusted as the key holder's request to this URL, sent once.
 */
import { verifyJws, type KeyForm, type KidResolver, type VerifiedJws } from './jws.js';
import type { NonceStore } from './nonces.js';
import { checkJwsUrl } from './url.js';

export interface AcmeRequest {
  body: Buffer | string;
  /** the URL it reached, from requestUrl */
  url: string;
  /** newAccount 'jwk', revokeCert 'either', every other POST 'kid' */
  form: KeyForm;
  nonces: NonceStore;
  /** kid (account URL) to the account's stored JWK; may throw an AcmeProblem (a deactivated account) */
  keyFor: KidResolver;
}

export async function verifyRequest(request: AcmeRequest): Promise<VerifiedJws> {
  const jws = await verifyJws(request.body, request.form, request.keyFor);
  await request.nonces.consume(jws.header.nonce);
  checkJwsUrl(jws.header.url, request.url);
  return jws;
}
