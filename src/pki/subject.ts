/**
 * Distinguished names. Every certificate carries the cluster id in OU (flocker-ca's habit), so a
 * certificate shows which cluster it belongs to; O and C only when given. Names are written as
 * UTF8String (RFC 5280 4.1.2.6), C as PrintableString (appendix A), and read from whichever
 * DirectoryString type a request used, decoded by its own rules (SPEC "What a CSR may put in a
 * certificate"): a BMPString is UCS-2, a UniversalString UCS-4, a TeletexString Latin-1.
 */
import { usageError } from '../error.js';
import { DerError, Type, children, primitive, printableString, readOid, seq, set, oid, utf8String, type Node } from './der.js';

export interface Subject {
  commonName: string;
  organization?: string | undefined;
  organizationalUnit?: string | undefined;
  country?: string | undefined;
}

const OIDS = { C: '2.5.4.6', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3' } as const;
const SHORT: Record<string, string> = { '2.5.4.6': 'C', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.3': 'CN' };

/** RFC 5280 appendix A upper bounds: ub-common-name 64, ub-organization-name 64, in characters. */
export const UPPER_BOUND = 64;

/** Unicode control characters (Cc: C0, DEL and C1): they would drive a terminal that shows the name. */
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function checkAttribute(label: string, value: string): string {
  const length = [...value].length;
  if (length === 0 || length > UPPER_BOUND || CONTROL.test(value) || value.trim() === '') {
    throw usageError(`invalid ${label} ${JSON.stringify(value)}`, `use 1-${UPPER_BOUND} printable characters`);
  }
  return value;
}

/**
 * RFC 5280 appendix A, ub-common-name 64: no certificate or request is made with a longer CN,
 * whatever made it (a one-step name, a default taken from a SAN, a CSR, a token). Every subject is
 * encoded here, so this is the check no path escapes; commands say it earlier in their own terms.
 */
export function checkCommonNameLength(commonName: string, hint = 'give a shorter common name'): void {
  const length = [...commonName].length;
  if (length > UPPER_BOUND) {
    throw usageError(`the CN ${JSON.stringify(commonName)} would be ${length} characters; RFC 5280 allows ${UPPER_BOUND}`, hint);
  }
}

/** The Name, in the order C, O, OU, CN (the order OpenSSL prints from most to least general). */
export function encodeName(subject: Subject): Node {
  checkCommonNameLength(subject.commonName);
  const rdn = (type: string, value: Node) => set([seq([oid(type), value])]);
  const rdns: Node[] = [];
  if (subject.country) rdns.push(rdn(OIDS.C, printableString(subject.country)));
  if (subject.organization) rdns.push(rdn(OIDS.O, utf8String(subject.organization)));
  if (subject.organizationalUnit) rdns.push(rdn(OIDS.OU, utf8String(subject.organizationalUnit)));
  rdns.push(rdn(OIDS.CN, utf8String(subject.commonName)));
  return seq(rdns);
}

export interface NameAttribute {
  /** CN, O, OU, C, or the OID of any other type */
  type: string;
  value: string;
}

/** Every attribute of a Name, decoded; throws DerError for a malformed one. */
export function readName(node: Node): NameAttribute[] {
  const attributes: NameAttribute[] = [];
  for (const rdn of children(node, Type.SEQUENCE, 'Name')) {
    for (const atv of children(rdn, Type.SET, 'RelativeDistinguishedName', 1)) {
      const [typeNode, valueNode] = children(atv, Type.SEQUENCE, 'AttributeTypeAndValue', 2);
      const id = readOid(typeNode, 'attribute type');
      attributes.push({ type: SHORT[id] ?? id, value: decodeString(valueNode!) });
    }
  }
  return attributes;
}

/** CN, O, OU and C of a Name; an attribute given twice makes the name ambiguous and is refused. */
export function subjectOf(attributes: NameAttribute[]): Subject {
  const one = (type: string): string | undefined => {
    const values = attributes.filter((a) => a.type === type);
    if (values.length > 1) throw new DerError(`the name has ${values.length} ${type} attributes`);
    return values[0]?.value;
  };
  return { commonName: one('CN') ?? '', organization: one('O'), organizationalUnit: one('OU'), country: one('C') };
}

const decoders: Record<number, (b: Buffer) => string> = {
  [Type.UTF8]: (b) => new TextDecoder('utf-8', { fatal: true }).decode(b),
  [Type.PRINTABLESTRING]: ascii,
  [Type.IA5STRING]: ascii,
  26: ascii, // VisibleString
  18: ascii, // NumericString
  // X.690 has TeletexString as T.61; every producer in practice writes Latin-1 bytes (SPEC).
  20: (b) => b.toString('latin1'),

  28: (b) => {
    // UniversalString: UCS-4, big-endian.
    if (b.length % 4) throw new DerError('a UniversalString whose length is not a multiple of 4');
    let text = '';
    for (let i = 0; i < b.length; i += 4) {
      const cp = b.readUInt32BE(i);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new DerError('a UniversalString holding an invalid character');
      text += String.fromCodePoint(cp);
    }
    return text;
  },
};

function ascii(bytes: Buffer): string {
  if (bytes.some((b) => b > 0x7e)) throw new DerError('a string type that allows ASCII only holds other bytes');
  return bytes.toString('latin1');
}

function decodeString(node: Node): string {
  if (node.tagClass === 0 && node.type === Type.BMPSTRING && typeof node.value === 'string') {
    // node-forge's parser has already read a BMPString as UTF-16 code units. It is UCS-2 (X.690):
    // a surrogate has no place in it.
    if (/[\ud800-\udfff]/.test(node.value)) throw new DerError('a BMPString holding surrogates');
    return node.value;
  }
  const decode = node.tagClass === 0 ? decoders[node.type] : undefined;
  if (!decode) throw new DerError(`an attribute value of unsupported type ${node.type}`);
  try {
    return decode(primitive(node, node.type, 'attribute value'));
  } catch (err) {
    if (err instanceof DerError) throw err;
    throw new DerError(`an attribute value that is not valid text (${(err as Error).message})`);
  }
}

/** One-line form in OpenSSL's RFC 2253 order of appearance, e.g. "CN=server1, OU=…, O=Acme". */
export function subjectText(subject: Subject): string {
  const parts: string[] = [`CN=${subject.commonName}`];
  if (subject.organizationalUnit) parts.push(`OU=${subject.organizationalUnit}`);
  if (subject.organization) parts.push(`O=${subject.organization}`);
  if (subject.country) parts.push(`C=${subject.country}`);
  return parts.join(', ');
}

/** Whether two subjects name the same entity (RFC 5280 7.1 compares names case-insensitively). */
export function sameSubject(a: Subject, b: Subject): boolean {
  const norm = (s: string | undefined) => (s ?? '').normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
  return (
    norm(a.commonName) === norm(b.commonName) &&
    norm(a.organization) === norm(b.organization) &&
    norm(a.organizationalUnit) === norm(b.organizationalUnit) &&
    norm(a.country) === norm(b.country)
  );
}
