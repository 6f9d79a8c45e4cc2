/**
 * PKCS#12 (RFC 7292) files that every importer accepts.
 *
 * `legacy` (the default): the key bag is pbeWithSHAAnd3-KeyTripleDES-CBC, certificates are in a
 * plain bag, the MAC is HMAC-SHA1: the profile of `openssl pkcs12 -export -keypbe PBE-SHA1-3DES
 * -certpbe NONE -macalg sha1`, which the macOS keychain, iOS, Windows, Java and OpenSSL 3 (without
 * -legacy) all import. OpenSSL 3's own default (AES-256 with a SHA-256 MAC) and node-forge's
 * (AES-128) are refused by the macOS keychain; RC2 (mkcert's) is refused by OpenSSL 3.
 *
 * `aes256`: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) with an HMAC-SHA256 MAC, for stores that want
 * current algorithms. node-forge can only write a SHA-1 MAC, so the MAC is computed here (RFC 7292
 * appendix B.2 key derivation, ID 3, with SHA-256).
 */
import { createHmac, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { usageError } from '../error.js';

export type P12Encryption = 'legacy' | 'aes256';
export const P12_ENCRYPTIONS: readonly P12Encryption[] = ['legacy', 'aes256'];

/** RFC 8018 4.2 asks for at least 1000; 2048 is what OpenSSL and forge use. */
export const MIN_P12_ITERATIONS = 2048;
export const MAX_P12_ITERATIONS = 10_000_000;
const SALT_BYTES = 8;

export interface P12Params {
  /** unencrypted PKCS#8 or PKCS#1 PEM */
  keyPem: string;
  certificatePem: string;
  caPem: string;
  friendlyName: string;
  password: string;
  encryption: P12Encryption;
  iterations: number;
}

/**
 * Printable ASCII only: PKCS#12 turns the password into a BMPString for the MAC and the legacy key
 * bag, and importers disagree on how non-ASCII text becomes one (keytool fails even on files OpenSSL
 * made); an ASCII password reads the same everywhere.
 */
export function checkP12Password(password: string): string {
  if (password.length === 0) {
    throw usageError('the PKCS#12 password is empty', 'give one: the macOS keychain refuses files without a password');
  }
  if (!/^[\x20-\x7e]+$/.test(password)) {
    throw usageError(
      'the PKCS#12 password holds characters other than printable ASCII',
      'use letters, digits and ASCII punctuation: importers disagree on other characters',
    );
  }
  return password;
}

export function parseP12Iterations(input: unknown): number {
  const n = Number(input);
  if (!Number.isInteger(n) || n < MIN_P12_ITERATIONS || n > MAX_P12_ITERATIONS || String(input).trim() === '') {
    throw usageError(`invalid --p12-iterations ${JSON.stringify(String(input))}`, `give a whole number from ${MIN_P12_ITERATIONS} to ${MAX_P12_ITERATIONS}`);
  }
  return n;
}

export function buildPkcs12(p: P12Params): Buffer {
  const { asn1, pki, pkcs12 } = forge;
  checkP12Password(p.password);
  const key = pki.privateKeyFromPem(p.keyPem);
  const certs = [pki.certificateFromPem(p.certificatePem), pki.certificateFromPem(p.caPem)];
  const legacy = p.encryption === 'legacy';
  const pfx = pkcs12.toPkcs12Asn1(key, certs, p.password, {
    algorithm: legacy ? '3des' : 'aes256',
    prfAlgorithm: 'sha256',
    count: p.iterations,
    saltSize: SALT_BYTES,
    friendlyName: p.friendlyName, // keytool shows it as the alias, the keychain as the name
    generateLocalKeyId: true, // binds key and certificate: without it keytool sees a chain of 0
    useMac: legacy,
  } as Parameters<typeof pkcs12.toPkcs12Asn1>[3]);
  if (!legacy) (pfx.value as forge.asn1.Asn1[]).push(sha256MacData(pfx, p.password, p.iterations));
  return Buffer.from(asn1.toDer(pfx).getBytes(), 'binary');
}

/** MacData (RFC 7292 4) over the authSafe's content with HMAC-SHA256. */
function sha256MacData(pfx: forge.asn1.Asn1, password: string, iterations: number): forge.asn1.Asn1 {
  const { asn1, pki, pkcs12, md, util } = forge;
  // PFX → authSafe ContentInfo → [0] content → OCTET STRING: the bytes the MAC covers.
  const authSafe = (pfx.value as forge.asn1.Asn1[])[1]!;
  const explicit = (authSafe.value as forge.asn1.Asn1[])[1]!;
  const content = (explicit.value as forge.asn1.Asn1[])[0]!.value as string;
  const salt = randomBytes(SALT_BYTES);
  const macKey = pkcs12.generateKey(password, new util.ByteStringBuffer(salt.toString('binary')), 3, iterations, 32, md.sha256.create());
  const digest = createHmac('sha256', Buffer.from(macKey.getBytes(), 'binary')).update(Buffer.from(content, 'binary')).digest();
  const { UNIVERSAL } = asn1.Class;
  return asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(pki.oids.sha256!).getBytes()),
        asn1.create(UNIVERSAL, asn1.Type.NULL, false, ''),
      ]),
      asn1.create(UNIVERSAL, asn1.Type.OCTETSTRING, false, digest.toString('binary')),
    ]),
    asn1.create(UNIVERSAL, asn1.Type.OCTETSTRING, false, salt.toString('binary')),
    asn1.create(UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(iterations).getBytes()),
  ]);
}
