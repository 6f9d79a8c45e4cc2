/**
 * DER (X.690) building and reading on node-forge's ASN.1 codec. Certificates, requests and CRLs are
 * assembled here from these few constructors rather than through forge's certificate objects,
 * which know RSA keys only (PITFALLS.md: "OID is not RSA"); the reading side walks a parsed tree
 * with checks that throw one kind of error, so a malformed input is reported, never half-read.
 */
import { asn1, type Asn1 } from './forge.js';

const { Class, Type } = asn1;
export { Class, Type };
export type Node = Asn1;

/** Thrown by the readers below; callers turn it into a CaError that names the input. */
export class DerError extends Error {}

// --- building ---------------------------------------------------------------------------------

export const seq = (items: Node[]): Node => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
export const set = (items: Node[]): Node => asn1.create(Class.UNIVERSAL, Type.SET, true, items);
export const oid = (id: string): Node => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(id).getBytes());
export const nullValue = (): Node => asn1.create(Class.UNIVERSAL, Type.NULL, false, '');
export const bool = (value: boolean): Node => asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, value ? '\xff' : '\x00');
export const octets = (bytes: Buffer): Node => asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes.toString('binary'));
export const utf8String = (text: string): Node =>
  asn1.create(Class.UNIVERSAL, Type.UTF8, false, Buffer.from(text, 'utf8').toString('binary'));
export const printableString = (text: string): Node => asn1.create(Class.UNIVERSAL, Type.PRINTABLESTRING, false, text);
export const enumerated = (n: number): Node => asn1.create(Class.UNIVERSAL, Type.ENUMERATED, false, String.fromCharCode(n));
export const ia5String = (text: string): Node => asn1.create(Class.UNIVERSAL, Type.IA5STRING, false, text);

/** A BIT STRING holding whole bytes (a signature, a public key). */
export const bitString = (bytes: Buffer): Node => asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, `\0${bytes.toString('binary')}`);

/** A non-negative INTEGER from big-endian magnitude bytes, minimally encoded (X.690 8.3.2). */
export function unsignedInteger(magnitude: Buffer): Node {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let bytes = magnitude.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, bytes.toString('binary'));
}

export function smallInteger(n: number): Node {
  const hex = n.toString(16);
  return unsignedInteger(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
}

/** [n] wrapping other nodes: EXPLICIT tagging, or an IMPLICIT constructed type. */
export const context = (tag: number, items: Node[]): Node => asn1.create(Class.CONTEXT_SPECIFIC, tag, true, items);
/** [n] IMPLICIT of a primitive type: its content bytes under the context tag. */
export const contextPrimitive = (tag: number, bytes: Buffer): Node =>
  asn1.create(Class.CONTEXT_SPECIFIC, tag, false, bytes.toString('binary'));

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(date: Date): Node {
  return date.getUTCFullYear() < 2050
    ? asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

/** A NamedBitList BIT STRING (X.690 11.2.2: trailing zero bits removed), bit 0 first. */
export function namedBits(bits: number[]): Node {
  if (bits.length === 0) return asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, '\0');
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  const unused = 7 - (highest % 8);
  return asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, String.fromCharCode(unused) + bytes.toString('binary'));
}

/** An already-encoded DER value placed as is (a SubjectPublicKeyInfo from Node, a Name from a CA). */
export function raw(der: Buffer): Node {
  return parse(der);
}

export function encode(node: Node): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'binary');
}

export function pem(label: string, der: Buffer): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

// --- reading ----------------------------------------------------------------------------------

/** Parses DER strictly: the whole input, definite lengths, BIT STRINGs left as bytes. */
export function parse(der: Buffer): Node {
  try {
    // The published types know only the old boolean argument; forge 1.x takes these options.
    const options = { strict: true, parseAllBytes: true, decodeBitStrings: false } as unknown as boolean;
    return asn1.fromDer(der.toString('binary'), options);
  } catch (err) {
    throw new DerError(`malformed DER (${(err as Error).message})`);
  }
}

function describe(node: Node): string {
  return node.tagClass === Class.UNIVERSAL ? `type ${node.type}` : `[${node.type}]`;
}

/** The children of a constructed universal node of `type`, at least `min` of them. */
export function children(node: Node | undefined, type: number, what: string, min = 0): Node[] {
  if (!node || node.tagClass !== Class.UNIVERSAL || node.type !== type || !Array.isArray(node.value)) {
    throw new DerError(`${what}: expected ${type === Type.SET ? 'a SET' : 'a SEQUENCE'}, found ${node ? describe(node) : 'nothing'}`);
  }
  if (node.value.length < min) throw new DerError(`${what}: too few fields`);
  return node.value as Node[];
}

/** The content bytes of a primitive universal node of `type`. */
export function primitive(node: Node | undefined, type: number, what: string): Buffer {
  if (!node || node.tagClass !== Class.UNIVERSAL || node.type !== type || typeof node.value !== 'string') {
    throw new DerError(`${what}: unexpected ${node ? describe(node) : 'end of data'}`);
  }
  return Buffer.from(node.value, 'binary');
}

export function readOid(node: Node | undefined, what: string): string {
  const bytes = primitive(node, Type.OID, what);
  if (bytes.length === 0) throw new DerError(`${what}: empty OID`);
  return asn1.derToOid(bytes.toString('binary'));
}

/** A BIT STRING of whole bytes (no unused bits): signatures and public keys. */
export function readBitStringBytes(node: Node | undefined, what: string): Buffer {
  const bytes = primitive(node, Type.BITSTRING, what);
  if (bytes.length === 0 || bytes[0] !== 0) throw new DerError(`${what}: not a whole number of bytes`);
  return bytes.subarray(1);
}

/** A NamedBitList BIT STRING as the numbers of the bits that are set. */
export function readNamedBits(node: Node | undefined, what: string): number[] {
  const bytes = primitive(node, Type.BITSTRING, what);
  if (bytes.length === 0) throw new DerError(`${what}: empty BIT STRING`);
  const bits: number[] = [];
  for (let i = 1; i < bytes.length; i++) {
    for (let b = 0; b < 8; b++) if (bytes[i]! & (0x80 >> b)) bits.push((i - 1) * 8 + b);
  }
  return bits;
}

/** A non-negative INTEGER's magnitude (leading zero octet removed). */
export function readUnsigned(node: Node | undefined, what: string): Buffer {
  const bytes = primitive(node, Type.INTEGER, what);
  if (bytes.length === 0) throw new DerError(`${what}: empty INTEGER`);
  if (bytes[0]! & 0x80) throw new DerError(`${what}: negative INTEGER`);
  return bytes[0] === 0 && bytes.length > 1 ? bytes.subarray(1) : bytes;
}

export function readBoolean(node: Node | undefined, what: string): boolean {
  const bytes = primitive(node, Type.BOOLEAN, what);
  if (bytes.length !== 1) throw new DerError(`${what}: malformed BOOLEAN`);
  return bytes[0] !== 0;
}

export function readTime(node: Node | undefined, what: string): Date {
  if (node?.tagClass === Class.UNIVERSAL && node.type === Type.UTCTIME) return asn1.utcTimeToDate(node.value as string);
  if (node?.tagClass === Class.UNIVERSAL && node.type === Type.GENERALIZEDTIME) return asn1.generalizedTimeToDate(node.value as string);
  throw new DerError(`${what}: expected a time`);
}

export function isContext(node: Node | undefined, tag: number): boolean {
  return node?.tagClass === Class.CONTEXT_SPECIFIC && node.type === tag;
}

/** The DER bytes of a node taken from a parsed tree (exact for DER input: forge keeps contents). */
export function bytesOf(node: Node): Buffer {
  return encode(node);
}
