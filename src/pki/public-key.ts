/**
 * Public keys that arrive from outside (in a request), checked from their DER before OpenSSL or
 * anything else computes with them (SPEC "What a CSR may put in a certificate"): a 16,384-bit
 * modulus with a huge exponent costs minutes to verify, so sizes come first.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { failure } from '../error.js';
import { DerError, Type, children, parse, primitive, readBitStringBytes, readOid, readUnsigned, type Node } from './der.js';
import { CURVE_OIDS, SPKI_OIDS, kindOfKey, type KeyKind } from './key-type.js';
import { keepSpki } from './spki.js';

/** NIST SP 800-131A: below 2048 bits is disallowed; above 8192 only costs the verifier time. */
export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 8192;
/** RFC 8017 3.1 allows any odd e >= 3; 65537 is what every current tool makes, 2^32-1 what Windows' CNG accepts. */
const MIN_RSA_EXPONENT = 65537n;
const MAX_RSA_EXPONENT = 2n ** 32n - 1n;

const NAMES: Record<string, string> = {
  [SPKI_OIDS.rsassaPss]: 'RSA-PSS',
  [SPKI_OIDS.ed448]: 'Ed448',
  [SPKI_OIDS.dsa]: 'DSA',
};

export interface CheckedKey {
  key: KeyObject;
  kind: KeyKind;
  /** RSA modulus bits, or the curve's size */
  bits: number;
}

const SUPPORTED = 'use RSA (2048-8192 bits), ECDSA P-256 or P-384, or Ed25519';

/** Checks a SubjectPublicKeyInfo (`spki`, DER) that `source` carries, and opens it with Node's crypto. */
export function checkPublicKey(spki: Buffer, source: string): CheckedKey {
  let node: Node;
  let algorithm: string;
  let keyBytes: Buffer;
  let parameters: Node | undefined;
  try {
    node = parse(spki);
    const [algId, bits] = children(node, Type.SEQUENCE, 'subjectPublicKeyInfo', 2);
    const alg = children(algId, Type.SEQUENCE, 'algorithm', 1);
    algorithm = readOid(alg[0], 'algorithm');
    parameters = alg[1];
    keyBytes = readBitStringBytes(bits, 'subjectPublicKey');
  } catch (err) {
    throw failure(`the public key in ${source} is malformed (${(err as Error).message})`);
  }
  let bits = 0;
  if (algorithm === SPKI_OIDS.rsaEncryption) bits = checkRsa(keyBytes, source);
  else if (algorithm === SPKI_OIDS.ecPublicKey) bits = checkCurve(parameters, source);
  else if (algorithm === SPKI_OIDS.ed25519) bits = 256;
  else throw failure(`the key of ${source} is ${NAMES[algorithm] ?? `of an unknown type (${algorithm})`}`, SUPPORTED);

  let key: KeyObject;
  try {
    key = openKey(spki, algorithm, bits, keyBytes);
  } catch (err) {
    throw failure(`the public key in ${source} is not valid (${(err as Error).message})`);
  }
  const kind = kindOfKey(key);
  if (!kind) throw failure(`the key of ${source} is of a type this CA does not issue for`, SUPPORTED);
  return { key, kind, bits };
}

/**
 * The SPKI DER of each EC curve and of Ed25519 as OpenSSL writes it, before the key's own bytes:
 * DER that is this prefix and an uncompressed point (or a 32-byte Ed25519 key) is canonical.
 */
const CANONICAL: Record<string, { prefix: Buffer; keyLength: number; crv?: string }> = {
  'ec-256': { prefix: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), keyLength: 65, crv: 'P-256' },
  'ec-384': { prefix: Buffer.from('3076301006072a8648ce3d020106052b81040022036200', 'hex'), keyLength: 97, crv: 'P-384' },
  ed25519: { prefix: Buffer.from('302a300506032b6570032100', 'hex'), keyLength: 32 },
};

/**
 * Opens the key. An EC key in its canonical form is opened from its coordinates as a JWK (with
 * OpenSSL 3, 58 µs against 116 µs from the DER for P-256; the point is checked on the curve all
 * the same), and a canonical SPKI is kept as it came, not exported again (spki.ts); anything else
 * is opened from the DER and exported when needed.
 */
function openKey(spki: Buffer, algorithm: string, bits: number, keyBytes: Buffer): KeyObject {
  const form = CANONICAL[algorithm === SPKI_OIDS.ed25519 ? 'ed25519' : algorithm === SPKI_OIDS.ecPublicKey ? `ec-${bits}` : ''];
  const canonical = form !== undefined && spki.length === form.prefix.length + form.keyLength && spki.subarray(0, form.prefix.length).equals(form.prefix) && (form.crv === undefined || keyBytes[0] === 0x04);
  if (!canonical) return createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const size = (form.keyLength - 1) / 2;
  const key = form.crv
    ? createPublicKey({ key: { kty: 'EC', crv: form.crv, x: keyBytes.subarray(1, 1 + size).toString('base64url'), y: keyBytes.subarray(1 + size).toString('base64url') }, format: 'jwk' })
    : createPublicKey({ key: spki, format: 'der', type: 'spki' });
  keepSpki(key, spki);
  return key;
}

function checkRsa(keyBytes: Buffer, source: string): number {
  let modulus: Buffer;
  let exponent: Buffer;
  try {
    const [n, e] = children(parse(keyBytes), Type.SEQUENCE, 'RSAPublicKey', 2);
    modulus = readUnsigned(n, 'modulus');
    exponent = readUnsigned(e, 'publicExponent');
  } catch (err) {
    throw failure(`the RSA key in ${source} is malformed (${err instanceof DerError ? err.message : String(err)})`);
  }
  let start = 0;
  while (start < modulus.length - 1 && modulus[start] === 0) start++;
  const bits = (modulus.length - start) * 8 - (Math.clz32(modulus[start]!) - 24);
  if (bits < MIN_RSA_BITS) throw failure(`${source} has a ${bits}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`);
  if (bits > MAX_RSA_BITS) throw failure(`${source} has a ${bits}-bit RSA key; at most ${MAX_RSA_BITS} bits are accepted`);
  // Compared as numbers only once it is known to be short: the length bounds the work.
  const e = exponent.length > 8 ? MAX_RSA_EXPONENT + 1n : BigInt(`0x${exponent.toString('hex')}`);
  if (e % 2n === 0n || e < MIN_RSA_EXPONENT || e > MAX_RSA_EXPONENT) {
    throw failure(`the RSA key of ${source} has an unusable public exponent`, 'use an odd exponent from 65537 to 2^32-1 (openssl and every TLS library make 65537)');
  }
  return bits;
}

function checkCurve(parameters: Node | undefined, source: string): number {
  let curveOid: string;
  try {
    curveOid = readOid(parameters, 'namedCurve');
  } catch {
    throw failure(`the EC key of ${source} does not name its curve`, 'use the named curve P-256 or P-384');
  }
  const curve = CURVE_OIDS[curveOid];
  if (!curve) throw failure(`the EC key of ${source} is on an unsupported curve (${curveOid})`, 'use P-256 or P-384');
  return curve === 'P-256' ? 256 : 384;
}

/** The subjectPublicKey bytes of a SubjectPublicKeyInfo (for the RFC 5280 4.2.1.2 key identifier). */
export function subjectPublicKeyBytes(spki: Buffer): Buffer {
  const [, bits] = children(parse(spki), Type.SEQUENCE, 'subjectPublicKeyInfo', 2);
  return primitive(bits, Type.BITSTRING, 'subjectPublicKey').subarray(1);
}
