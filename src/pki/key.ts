/**
 * Private keys (made in key-generation.ts). Keys are stored as PKCS#8 PEM (RFC 5958); with a passphrase as
 * "ENCRYPTED PRIVATE KEY": PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC (RFC 8018), the form
 * `openssl pkey -passin` and every TLS stack read.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { failure, usageError } from '../error.js';
import { RSA_BITS, kindOfKey, type RsaBits } from './key-type.js';
import { subjectPublicKeyBytes } from './public-key.js';
import { spkiDer } from './spki.js';

export function parseKeyBits(input: unknown): RsaBits {
  const bits = Number(input);
  if (!RSA_BITS.includes(bits as RsaBits)) {
    throw usageError(`invalid key size ${JSON.stringify(String(input))}`, 'use --key-bits 2048, 3072 or 4096');
  }
  return bits as RsaBits;
}

/** An empty or missing passphrase means "not encrypted" (SPEC "Passphrases"), never the empty string. */
export function encodePrivateKey(key: KeyObject, passphrase?: string): string {
  if (!passphrase) return key.export({ type: 'pkcs8', format: 'pem' }) as string;
  return key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
}

export function isEncryptedPem(pem: string): boolean {
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem);
}

/**
 * Opens a key. `what` names it in errors ("the CA key"); `flag` is where its passphrase comes from;
 * `path`, when known, is the file it was read from.
 */
export function decodePrivateKey(pem: string, passphrase: string | undefined, what: string, flag: string, path?: string): KeyObject {
  if (isEncryptedPem(pem) && !passphrase) {
    // A secret not given is a usage error (exit 2), as every missing secret is (SPEC).
    throw usageError(`${what} is encrypted and no passphrase was given`, `pass ${flag}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase ? { key: pem, format: 'pem', passphrase } : { key: pem, format: 'pem' });
  } catch (err) {
    if (isEncryptedPem(pem)) throw failure(`wrong passphrase for ${what}`, `check ${flag}`);
    const where = path ? ` ${path}` : '';
    throw failure(`${what}${where} is not a readable private key (${(err as Error).message})`, 'restore it from a backup');
  }
  if (!kindOfKey(key)) {
    throw failure(`${what} is a ${key.asymmetricKeyType?.toUpperCase()} key of a kind this CA does not use`, 'use RSA, ECDSA P-256/P-384 or Ed25519');
  }
  return key;
}

export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key;
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value. */
export function keyIdentifier(key: KeyObject): Buffer {
  return createHash('sha1').update(subjectPublicKeyBytes(spkiDer(key))).digest();
}

/** SHA-256 of the SubjectPublicKeyInfo, lower-case hex: how the index tells certificates of one key. */
export function publicKeyHash(key: KeyObject): string {
  return createHash('sha256').update(spkiDer(key)).digest('hex');
}
