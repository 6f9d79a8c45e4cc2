/**
 * RSA private keys. Generation is OpenSSL's, through Node's thread pool (node-forge's pure-JS
 * prime search is 8-20 times slower). Keys are stored as PKCS#8 PEM (RFC 5958); with a passphrase
 * as "ENCRYPTED PRIVATE KEY": PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC (RFC 8018), the form
 * `openssl pkey -passin` and every TLS stack read.
 */
import { createHash, createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { failure, usageError } from '../error.js';
import { pki, type RsaPublicKey } from './forge.js';

const generate = promisify(generateKeyPair);

/** The RSA sizes SPEC allows: below 2048 is refused by current TLS stacks, above 4096 is slow for no gain. */
export const KEY_BITS = [2048, 3072, 4096] as const;
export type KeyBits = (typeof KEY_BITS)[number];

export function parseKeyBits(input: unknown): KeyBits {
  const bits = Number(input);
  if (!KEY_BITS.includes(bits as KeyBits)) {
    throw usageError(`invalid key size ${JSON.stringify(String(input))}`, 'use --key-bits 2048, 3072 or 4096');
  }
  return bits as KeyBits;
}

/** An RSA key from OpenSSL, generated on libuv's thread pool. */
export async function generateRsaKey(bits: KeyBits): Promise<KeyObject> {
  const { privateKey } = await generate('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return privateKey;
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
    throw failure(`${what} is encrypted and no passphrase was given`, `pass ${flag}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase ? { key: pem, format: 'pem', passphrase } : { key: pem, format: 'pem' });
  } catch (err) {
    if (isEncryptedPem(pem)) throw failure(`wrong passphrase for ${what}`, `check ${flag}`);
    const where = path ? ` ${path}` : '';
    throw failure(`${what}${where} is not a readable private key (${(err as Error).message})`, 'restore it from a backup');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw failure(`${what} is not an RSA key (it is ${key.asymmetricKeyType?.toUpperCase()}); only RSA keys are supported`);
  }
  return key;
}

export function toForgePublicKey(key: KeyObject): RsaPublicKey {
  const pem = key.export({ type: 'spki', format: 'pem' }) as string;
  return pki.publicKeyFromPem(pem) as RsaPublicKey;
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value (RSAPublicKey DER). */
export function keyIdentifier(key: KeyObject): Buffer {
  const publicDer = key.export({ type: 'pkcs1', format: 'der' });
  return createHash('sha1').update(publicDer).digest();
}
