/**
 * What each kind of key means for X.509, as one table (SPEC "Keys and signatures"): the signature
 * algorithm a CA key of that kind makes, and the key usages a certificate for such a key may carry.
 * Certificates, requests and CRLs look their algorithm up here; nothing else asks "is it RSA?".
 */
import type { KeyObject } from 'node:crypto';
import { usageError } from '../error.js';
import type { KeyUsage } from './usage.js';

export type KeyType = 'rsa' | 'ecdsa' | 'ed25519';
export const KEY_TYPES: readonly KeyType[] = ['rsa', 'ecdsa', 'ed25519'];
export type Curve = 'P-256' | 'P-384';
export const CURVES: readonly Curve[] = ['P-256', 'P-384'];

/** RSA sizes SPEC allows for keys made here: below 2048 current TLS stacks refuse; above 4096 is slow for no gain. */
export const RSA_BITS = [2048, 3072, 4096] as const;
export type RsaBits = (typeof RSA_BITS)[number];
/** RSA sizes when none is given: the CA's 4096, every other key's 2048 (SPEC). */
export const CA_RSA_BITS: RsaBits = 4096;
export const LEAF_RSA_BITS: RsaBits = 2048;

export type KeySpec = { type: 'rsa'; bits: RsaBits } | { type: 'ecdsa'; curve: Curve } | { type: 'ed25519' };

export interface SignatureAlgorithm {
  oid: string;
  name: string;
  /** the digest given to crypto.sign; null for Ed25519, which hashes internally (RFC 8032) */
  hash: 'sha256' | 'sha384' | null;
  /** RFC 4055 / RFC 3279: NULL parameters for RSA; RFC 5758 3.2 and RFC 8410 3: absent for ECDSA and EdDSA */
  nullParameters: boolean;
}

export interface KeyKind {
  /** as people read it: "RSA 2048", "ECDSA P-256", "Ed25519" */
  label: string;
  /** "RSA", "ECDSA", "Ed25519" */
  family: string;
  type: KeyType;
  signature: SignatureAlgorithm;
  /** the key usages a certificate for this key may assert (RFC 5280 4.2.1.3, RFC 5480 3, RFC 8410 5) */
  allowedUsages: readonly KeyUsage[];
  /** usages a shared profile names that are meaningless for this key and are left out, not refused */
  droppedUsages: readonly KeyUsage[];
}

const CA_USAGES: KeyUsage[] = ['keyCertSign', 'cRLSign'];

const RSA_SIGNATURE: SignatureAlgorithm = { oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption', hash: 'sha256', nullParameters: true };

/** RSA: key transport (keyEncipherment) yes, key agreement no. */
const RSA_USAGES: KeyUsage[] = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', ...CA_USAGES];
/** RFC 5480 3: an id-ecPublicKey certificate MUST NOT assert keyEncipherment or dataEncipherment. */
const EC_USAGES: KeyUsage[] = ['digitalSignature', 'nonRepudiation', 'keyAgreement', ...CA_USAGES];
/** RFC 8410 5: Ed25519 asserts only signing usages. */
const ED25519_USAGES: KeyUsage[] = ['digitalSignature', 'nonRepudiation', ...CA_USAGES];
const TRANSPORT: KeyUsage[] = ['keyEncipherment', 'dataEncipherment'];

const EC_KINDS: Record<Curve, KeyKind> = {
  'P-256': {
    label: 'ECDSA P-256',
    family: 'ECDSA',
    type: 'ecdsa',
    signature: { oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256', hash: 'sha256', nullParameters: false },
    allowedUsages: EC_USAGES,
    droppedUsages: TRANSPORT,
  },
  'P-384': {
    label: 'ECDSA P-384',
    family: 'ECDSA',
    type: 'ecdsa',
    signature: { oid: '1.2.840.10045.4.3.3', name: 'ecdsa-with-SHA384', hash: 'sha384', nullParameters: false },
    allowedUsages: EC_USAGES,
    droppedUsages: TRANSPORT,
  },
};

const ED25519_KIND: KeyKind = {
  label: 'Ed25519',
  family: 'Ed25519',
  type: 'ed25519',
  signature: { oid: '1.3.101.112', name: 'Ed25519', hash: null, nullParameters: false },
  allowedUsages: ED25519_USAGES,
  droppedUsages: TRANSPORT,
};

function rsaKind(bits: number): KeyKind {
  return { label: `RSA ${bits}`, family: 'RSA', type: 'rsa', signature: RSA_SIGNATURE, allowedUsages: RSA_USAGES, droppedUsages: [] };
}

/** Node's names for the two curves (OpenSSL's). */
const NODE_CURVES: Record<string, Curve> = { prime256v1: 'P-256', secp384r1: 'P-384' };

/** The kind of a Node key (private or public), or undefined when it is of no kind we issue for. */
export function kindOfKey(key: KeyObject): KeyKind | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return rsaKind(details.modulusLength ?? 0);
  if (key.asymmetricKeyType === 'ed25519') return ED25519_KIND;
  if (key.asymmetricKeyType === 'ec') {
    const curve = NODE_CURVES[details.namedCurve ?? ''];
    return curve ? EC_KINDS[curve] : undefined;
  }
  return undefined;
}

export function specOfKey(key: KeyObject): KeySpec | undefined {
  const kind = kindOfKey(key);
  if (!kind) return undefined;
  if (kind.type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength as RsaBits;
    return { type: 'rsa', bits: RSA_BITS.includes(bits) ? bits : 2048 };
  }
  if (kind.type === 'ecdsa') return { type: 'ecdsa', curve: NODE_CURVES[key.asymmetricKeyDetails?.namedCurve ?? '']! };
  return { type: 'ed25519' };
}

export function describeSpec(spec: KeySpec): string {
  if (spec.type === 'rsa') return `${spec.bits}-bit RSA`;
  if (spec.type === 'ecdsa') return `ECDSA ${spec.curve}`;
  return 'Ed25519';
}

/** OIDs of SubjectPublicKeyInfo algorithms and curves (RFC 3279, RFC 5480, RFC 8410). */
export const SPKI_OIDS = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  dsa: '1.2.840.10040.4.1',
} as const;

export const CURVE_OIDS: Record<string, Curve> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
};

/**
 * Signature algorithms accepted on a request (proof of possession only: the certificate is signed
 * with the CA's own algorithm). SHA-1 and MD5 are refused: nothing current makes them.
 */
export const REQUEST_SIGNATURES: Record<string, { hash: string | null; keyType: KeyType; name: string }> = {
  '1.2.840.113549.1.1.11': { hash: 'sha256', keyType: 'rsa', name: 'sha256WithRSAEncryption' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', keyType: 'rsa', name: 'sha384WithRSAEncryption' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', keyType: 'rsa', name: 'sha512WithRSAEncryption' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', keyType: 'ecdsa', name: 'ecdsa-with-SHA256' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', keyType: 'ecdsa', name: 'ecdsa-with-SHA384' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', keyType: 'ecdsa', name: 'ecdsa-with-SHA512' },
  '1.3.101.112': { hash: null, keyType: 'ed25519', name: 'Ed25519' },
};

/** What the flags ask for (`--key-type`, `--curve`, `--key-bits`), before store defaults apply. */
export interface KeyChoice {
  type?: KeyType | undefined;
  curve?: Curve | undefined;
  bits?: RsaBits | undefined;
}

const CURVE_NAMES: Record<string, Curve> = { 'p-256': 'P-256', p256: 'P-256', prime256v1: 'P-256', secp256r1: 'P-256', 'p-384': 'P-384', p384: 'P-384', secp384r1: 'P-384' };

/** Checks the key flags on their own: each names a known value, and they fit together. */
export function parseKeyChoice(input: { keyType?: string | undefined; curve?: string | undefined; keyBits?: string | undefined }): KeyChoice {
  const choice: KeyChoice = {};
  if (input.keyType !== undefined) {
    const type = input.keyType.toLowerCase() as KeyType;
    if (!KEY_TYPES.includes(type)) throw usageError(`unknown key type ${JSON.stringify(input.keyType)}`, 'use --key-type rsa, ecdsa or ed25519');
    choice.type = type;
  }
  if (input.curve !== undefined) {
    const curve = CURVE_NAMES[input.curve.toLowerCase()];
    if (!curve) throw usageError(`unknown curve ${JSON.stringify(input.curve)}`, 'use --curve P-256 or P-384');
    if (choice.type !== undefined && choice.type !== 'ecdsa') throw usageError(`--curve goes with --key-type ecdsa, not ${choice.type}`, 'leave --curve out');
    choice.curve = curve;
  }
  if (input.keyBits !== undefined) {
    const bits = Number(input.keyBits) as RsaBits;
    if (!RSA_BITS.includes(bits)) throw usageError(`invalid key size ${JSON.stringify(input.keyBits)}`, 'use --key-bits 2048, 3072 or 4096');
    if (choice.type !== undefined && choice.type !== 'rsa') throw usageError(`--key-bits is for RSA keys, not ${choice.type}`, choice.type === 'ecdsa' ? 'ECDSA keys take --curve' : 'leave --key-bits out');
    if (choice.curve) throw usageError('--key-bits and --curve cannot be used together', '--key-bits is for RSA keys, --curve for ECDSA');
    choice.bits = bits;
  }
  return choice;
}

/**
 * The key to make: what the flags chose, else the store's default type (SPEC: `ca init --key-type`
 * sets it), else RSA; `rsaBits` is the RSA size when the flags do not give one (CA 4096, leaves 2048).
 */
export function resolveKeySpec(choice: KeyChoice, defaults: KeyChoice | undefined, rsaBits: RsaBits): KeySpec {
  // A curve alone asks for ECDSA, a size alone for RSA, whatever the store's default.
  const implied = choice.curve ? 'ecdsa' : choice.bits ? 'rsa' : undefined;
  const type = choice.type ?? implied ?? defaults?.type ?? 'rsa';
  if (type === 'rsa') return { type, bits: choice.bits ?? rsaBits };
  if (type === 'ecdsa') return { type, curve: choice.curve ?? defaults?.curve ?? 'P-256' };
  return { type };
}
