/**
 * The SubjectPublicKeyInfo DER of a key, which a certificate needs twice (the key, and its
 * identifier) and the index once (its hash): exported once per key, or kept as it came in a
 * request when it is already what the export would give (public-key.ts), since an export costs
 * as much as signing an ECDSA certificate.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

const SPKI = new WeakMap<KeyObject, Buffer>();

/** The SubjectPublicKeyInfo DER of a key (of a private key, its public half), as OpenSSL writes it. */
export function spkiDer(key: KeyObject): Buffer {
  let der = SPKI.get(key);
  if (!der) {
    der = (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
    SPKI.set(key, der);
  }
  return der;
}

/** Keeps `der` as the SPKI of `key`: only for DER known to be the one OpenSSL would write. */
export function keepSpki(key: KeyObject, der: Buffer): void {
  SPKI.set(key, der);
}
