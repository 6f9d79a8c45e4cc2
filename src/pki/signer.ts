/**
 * Native signing of the structures built here. node-forge's own `sign()` is pure-JS RSA (about 45
 * times slower), knows no ECDSA or EdDSA, and signs with SHA-1 unless told otherwise; here OpenSSL,
 * through `crypto.sign`, signs the DER with the algorithm the key's kind names (key-type.ts).
 */
import { sign, type KeyObject } from 'node:crypto';
import { failure } from '../error.js';
import { bitString, nullValue, oid, raw, seq, type Node } from './der.js';
import { kindOfKey, type SignatureAlgorithm } from './key-type.js';

export function signatureAlgorithmOf(key: KeyObject): SignatureAlgorithm {
  const kind = kindOfKey(key);
  if (!kind) throw failure(`a ${key.asymmetricKeyType} key cannot sign here`, 'use an RSA, ECDSA P-256/P-384 or Ed25519 key');
  return kind.signature;
}

/** AlgorithmIdentifier: NULL parameters for RSA, none for ECDSA and Ed25519 (RFC 5758 3.2, RFC 8410 3). */
export function algorithmIdentifier(alg: SignatureAlgorithm): Node {
  return seq([oid(alg.oid), ...(alg.nullParameters ? [nullValue()] : [])]);
}

/**
 * SIGNED{ToBeSigned} (X.509): the TBS, the algorithm, the signature as a BIT STRING. The TBS must
 * already name `alg` inside it (RFC 5280 4.1.1.2: the two must match).
 */
export function signed(tbs: Buffer, alg: SignatureAlgorithm, key: KeyObject): Node {
  const signature = sign(alg.hash, tbs, key); // ECDSA: DER Ecdsa-Sig-Value, as X.509 wants (RFC 3279 2.2.3)
  return seq([raw(tbs), algorithmIdentifier(alg), bitString(signature)]);
}
