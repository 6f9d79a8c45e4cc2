/**
 * PKCS#12 (RFC 7292) files that every importer accepts, for RSA, ECDSA and Ed25519 keys, with the
 * whole chain. The structure is built here in DER (node-forge's PKCS#12 writer wraps RSA keys only);
 * encryption, key derivation and MACs are Node's (OpenSSL's).
 *
 * `legacy` (the default): the key bag is pbeWithSHAAnd3-KeyTripleDES-CBC, certificates are in a
 * plain bag, the MAC is HMAC-SHA1: the profile of `openssl pkcs12 -export -keypbe PBE-SHA1-3DES
 * -certpbe NONE -macalg sha1`, which the macOS keychain, iOS, Windows, Java and OpenSSL 3 (without
 * -legacy) all import. OpenSSL 3's own default (AES-256 with a SHA-256 MAC) and node-forge's
 * (AES-128) are refused by the macOS keychain; RC2 (mkcert's) is refused by OpenSSL 3.
 *
 * `aes256`: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) with an HMAC-SHA256 MAC, for stores that want
 * current algorithms.
 */
import { X509Certificate, createCipheriv, createHash, createHmac, createPrivateKey, pbkdf2Sync, randomBytes } from 'node:crypto';
import { usageError } from '../error.js';
import { context, encode, nullValue, octets, oid, seq, set, smallInteger, type Node } from '../pki/der.js';
import { asn1 } from '../pki/forge.js';
import { wholeNumber } from '../pki/whole-number.js';

export type P12Encryption = 'legacy' | 'aes256';

/** RFC 8018 4.2 asks for at least 1000; 2048 is what OpenSSL and forge use. */
export const MIN_P12_ITERATIONS = 2048;
export const MAX_P12_ITERATIONS = 10_000_000;
const SALT_BYTES = 8;

export interface P12Params {
  /** unencrypted PKCS#8 or PKCS#1 PEM */
  keyPem: string;
  /** the certificate, then the CA certificates above it (intermediates, the root last) */
  certificatePems: string[];
  friendlyName: string;
  password: string;
  encryption: P12Encryption;
  iterations: number;
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  keyBag: '1.2.840.113549.1.12.10.1.2', // pkcs8ShroudedKeyBag
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbeSha1TripleDes: '1.2.840.113549.1.12.1.3',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
};

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
  return wholeNumber(input, '--p12-iterations', MIN_P12_ITERATIONS, MAX_P12_ITERATIONS);
}

export function buildPkcs12(p: P12Params): Buffer {
  checkP12Password(p.password);
  const certificates = p.certificatePems.map((pem) => Buffer.from(new X509Certificate(pem).raw));
  // localKeyId binds the key to its certificate (keytool sees a chain of 0 without it); the SHA-1
  // of the certificate is what OpenSSL uses.
  const localKeyId = createHash('sha1').update(certificates[0]!).digest();
  const leafAttributes = attributes(p.friendlyName, localKeyId);
  const certBags = certificates.map((der, i) =>
    seq([oid(OID.certBag), context(0, [seq([oid(OID.x509Certificate), context(0, [octets(der)])])]), ...(i === 0 ? [leafAttributes] : [])]),
  );
  const pkcs8 = createPrivateKey(p.keyPem).export({ type: 'pkcs8', format: 'der' });
  const shrouded = p.encryption === 'legacy' ? pbeSha1TripleDes(pkcs8, p.password, p.iterations) : pbes2Aes256(pkcs8, p.password, p.iterations);
  const keyBag = seq([oid(OID.keyBag), context(0, [shrouded]), leafAttributes]);
  const authSafe = encode(seq([dataContent(encode(seq(certBags))), dataContent(encode(seq([keyBag])))]));
  return encode(seq([smallInteger(3), dataContent(authSafe), macData(authSafe, p)]));
}

/** ContentInfo of type data: the content as an OCTET STRING under [0] EXPLICIT. */
function dataContent(content: Buffer): Node {
  return seq([oid(OID.data), context(0, [octets(content)])]);
}

function attributes(friendlyName: string, localKeyId: Buffer): Node {
  // node-forge writes a BMPString from the JS string's UTF-16 code units.
  const bmp = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BMPSTRING, false, friendlyName);
  return set([seq([oid(OID.friendlyName), set([bmp])]), seq([oid(OID.localKeyId), set([octets(localKeyId)])])]);
}

/** RFC 7292 appendix C: pbeWithSHAAnd3-KeyTripleDES-CBC, key and IV from the PKCS#12 KDF. */
function pbeSha1TripleDes(pkcs8: Buffer, password: string, iterations: number): Node {
  const salt = randomBytes(SALT_BYTES);
  const key = pkcs12Kdf('sha1', password, salt, 1, iterations, 24);
  const iv = pkcs12Kdf('sha1', password, salt, 2, iterations, 8);
  const cipher = createCipheriv('des-ede3-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
  return seq([seq([oid(OID.pbeSha1TripleDes), seq([octets(salt), smallInteger(iterations)])]), octets(encrypted)]);
}

/** RFC 8018 6.2: PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC (the password as UTF-8, as OpenSSL 3). */
function pbes2Aes256(pkcs8: Buffer, password: string, iterations: number): Node {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
  const kdf = seq([oid(OID.pbkdf2), seq([octets(salt), smallInteger(iterations), seq([oid(OID.hmacWithSha256), nullValue()])])]);
  return seq([seq([oid(OID.pbes2), seq([kdf, seq([oid(OID.aes256Cbc), octets(iv)])])]), octets(encrypted)]);
}

/** MacData (RFC 7292 4): HMAC-SHA1 for legacy, HMAC-SHA256 for aes256, keyed by the PKCS#12 KDF (ID 3). */
function macData(authSafe: Buffer, p: P12Params): Node {
  const hash = p.encryption === 'legacy' ? 'sha1' : 'sha256';
  const salt = randomBytes(SALT_BYTES);
  const key = pkcs12Kdf(hash, p.password, salt, 3, p.iterations, hash === 'sha1' ? 20 : 32);
  const digest = createHmac(hash, key).update(authSafe).digest();
  return seq([seq([seq([oid(hash === 'sha1' ? OID.sha1 : OID.sha256), nullValue()]), octets(digest)]), octets(salt), smallInteger(p.iterations)]);
}

/**
 * RFC 7292 appendix B.2: the PKCS#12 key derivation. The password is a BMPString (UTF-16BE) with a
 * two-byte terminator; `id` 1 derives a key, 2 an IV, 3 a MAC key.
 */
export function pkcs12Kdf(hash: 'sha1' | 'sha256', password: string, salt: Buffer, id: 1 | 2 | 3, iterations: number, length: number): Buffer {
  const u = hash === 'sha1' ? 20 : 32;
  const v = 64; // the block size of SHA-1 and SHA-256
  const pass = Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]);
  const fill = (b: Buffer) => {
    const out = Buffer.alloc(v * Math.ceil(b.length / v));
    for (let i = 0; i < out.length; i++) out[i] = b[i % b.length]!;
    return out;
  };
  const I = Buffer.concat([fill(salt), fill(pass)]);
  const D = Buffer.alloc(v, id);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(hash).update(A).digest();
    blocks.push(A);
    // I_j = (I_j + B + 1) mod 2^(8v), B being A repeated to v bytes.
    const B = fill(A).subarray(0, v);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}

