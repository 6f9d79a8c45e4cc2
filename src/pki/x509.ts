/**
 * Reading certificates of any key type. Node's X509Certificate (OpenSSL's parser) checks the
 * encoding and gives dates, fingerprints and signature checks; the fields it does not expose
 * (subject attributes as text, key usages by name, SANs, key identifiers, path length) are read from
 * the DER here. node-forge's reader is not used: it refuses every non-RSA key.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { failure } from '../error.js';
import {
  DerError,
  Type,
  bytesOf,
  children,
  isContext,
  parse,
  primitive,
  readBoolean,
  readNamedBits,
  readOid,
  readTime,
  readUnsigned,
  type Node,
} from './der.js';
import { decodeNameConstraints } from './constraint-extension.js';
import type { NameConstraints } from './constraints.js';
import { EXTENSION_OIDS } from './extensions.js';
import { blockDer, pemBlocks } from './pem.js';
import { GENERAL_NAME } from './san.js';
import { ipFromBytes } from './ip.js';
import { kindOfKey } from './key-type.js';
import { EKU_OIDS, KEY_USAGES } from './usage.js';
import { readName, subjectOf, type NameAttribute, type Subject } from './subject.js';

export interface Extension {
  id: string;
  critical: boolean;
  value: Buffer;
}

export interface ParsedCertificate {
  der: Buffer;
  /** lower-case hex, no leading zero octet */
  serial: string;
  issuerDer: Buffer;
  subjectDer: Buffer;
  issuer: NameAttribute[];
  subject: NameAttribute[];
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  signatureAlgorithm: string;
  extensions: Extension[];
  isCa: boolean;
  pathLength: number | null;
  keyUsage: string[];
  extKeyUsage: string[];
  /** "DNS:…", "IP:…", "URI:…", "email:…" */
  sans: string[];
  subjectKeyId: Buffer | undefined;
  authorityKeyId: Buffer | undefined;
  /** a CA's permitted subtrees, when it has nameConstraints */
  nameConstraints: NameConstraints | undefined;
}

const EKU_NAMES = Object.fromEntries(Object.entries(EKU_OIDS).map(([name, id]) => [id, name]));

export function pemToDer(input: string | Buffer): Buffer {
  const text = typeof input === 'string' ? input : input.toString('latin1');
  const block = pemBlocks(text).find((b) => b.label === 'CERTIFICATE');
  if (block) return blockDer(block);
  return typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
}

/** Every PEM certificate in `text`, in order (a chain file). */
export function splitPemCertificates(text: string): string[] {
  return pemBlocks(text)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => b.text);
}

/** Parses the first certificate of PEM text or DER bytes; throws DerError for what is not one. */
export function parseCertificate(input: string | Buffer): ParsedCertificate {
  const der = pemToDer(input);
  const [tbsNode] = children(parse(der), Type.SEQUENCE, 'Certificate', 3);
  const tbs = children(tbsNode, Type.SEQUENCE, 'TBSCertificate', 6);
  const fields = isContext(tbs[0], 0) ? tbs.slice(1) : tbs;
  const [serialNode, sigAlg, issuerNode, validityNode, subjectNode, spkiNode, ...rest] = fields;
  const [notBefore, notAfter] = children(validityNode, Type.SEQUENCE, 'validity', 2);
  const extensions = readExtensions(rest.find((n) => isContext(n, 3)));
  const cert: ParsedCertificate = {
    der,
    serial: readUnsigned(serialNode, 'serialNumber').toString('hex').replace(/^(00)+(?=..)/, ''),
    issuerDer: bytesOf(issuerNode!),
    subjectDer: bytesOf(subjectNode!),
    issuer: readName(issuerNode!),
    subject: readName(subjectNode!),
    notBefore: readTime(notBefore, 'notBefore'),
    notAfter: readTime(notAfter, 'notAfter'),
    spki: bytesOf(spkiNode!),
    signatureAlgorithm: readOid(children(sigAlg, Type.SEQUENCE, 'signature', 1)[0], 'signature algorithm'),
    extensions,
    isCa: false,
    pathLength: null,
    keyUsage: [],
    extKeyUsage: [],
    sans: [],
    subjectKeyId: undefined,
    authorityKeyId: undefined,
    nameConstraints: undefined,
  };
  interpret(cert);
  return cert;
}

function readExtensions(node: Node | undefined): Extension[] {
  if (!node) return [];
  return readExtensionList((node.value as Node[])[0]);
}

/** Extensions ::= SEQUENCE OF Extension (RFC 5280 4.1), in a certificate or a request. */
export function readExtensionList(list: Node | undefined): Extension[] {
  return children(list, Type.SEQUENCE, 'extensions').map((ext) => {
    const parts = children(ext, Type.SEQUENCE, 'extension', 2);
    const critical = parts.length === 3 ? readBoolean(parts[1], 'critical') : false;
    return { id: readOid(parts[0], 'extnID'), critical, value: primitive(parts[parts.length - 1], Type.OCTETSTRING, 'extnValue') };
  });
}

function interpret(cert: ParsedCertificate): void {
  const value = (id: string) => {
    const ext = cert.extensions.find((e) => e.id === id);
    return ext ? parse(ext.value) : undefined;
  };
  const basic = value(EXTENSION_OIDS.basicConstraints);
  if (basic) {
    const items = children(basic, Type.SEQUENCE, 'basicConstraints');
    const ca = items[0]?.type === Type.BOOLEAN ? readBoolean(items[0], 'cA') : false;
    const len = items.find((n) => n.type === Type.INTEGER);
    cert.isCa = ca;
    if (ca && len) {
      const n = readUnsigned(len, 'pathLenConstraint');
      cert.pathLength = n.length > 4 ? Number.MAX_SAFE_INTEGER : n.readUIntBE(0, n.length);
    }
  }
  const ku = value(EXTENSION_OIDS.keyUsage);
  if (ku) cert.keyUsage = readNamedBits(ku, 'keyUsage').map((b) => KEY_USAGES[b] ?? (b === 7 ? 'encipherOnly' : b === 8 ? 'decipherOnly' : `bit ${b}`));
  const eku = value(EXTENSION_OIDS.extKeyUsage);
  if (eku) {
    cert.extKeyUsage = children(eku, Type.SEQUENCE, 'extKeyUsage').map((n) => {
      const id = readOid(n, 'KeyPurposeId');
      return EKU_NAMES[id] ?? id;
    });
  }
  const san = value(EXTENSION_OIDS.subjectAltName);
  if (san) cert.sans = children(san, Type.SEQUENCE, 'subjectAltName').map(generalNameText);
  const ski = value(EXTENSION_OIDS.subjectKeyIdentifier);
  if (ski) cert.subjectKeyId = primitive(ski, Type.OCTETSTRING, 'subjectKeyIdentifier');
  const nc = cert.extensions.find((e) => e.id === EXTENSION_OIDS.nameConstraints);
  if (nc) cert.nameConstraints = decodeNameConstraints(nc.value);
  const aki = value(EXTENSION_OIDS.authorityKeyIdentifier);
  if (aki) {
    const keyId = children(aki, Type.SEQUENCE, 'authorityKeyIdentifier').find((n) => isContext(n, 0));
    if (keyId) cert.authorityKeyId = Buffer.from(keyId.value as string, 'binary');
  }
}

/** A GeneralName as OpenSSL-like text; the kinds this CA does not issue are named, not decoded. */
export function generalNameText(n: Node): string {
  if (n.tagClass !== 0x80) return 'unknown';
  const bytes = typeof n.value === 'string' ? Buffer.from(n.value, 'binary') : Buffer.alloc(0);
  switch (n.type) {
    case GENERAL_NAME.dNSName:
      return `DNS:${bytes.toString('latin1')}`;
    case GENERAL_NAME.iPAddress:
      return bytes.length === 4 || bytes.length === 16 ? `IP:${ipFromBytes(bytes)}` : `IP:<${bytes.length} bytes>`;
    case GENERAL_NAME.uniformResourceIdentifier:
      return `URI:${bytes.toString('latin1')}`;
    case GENERAL_NAME.rfc822Name:
      return `email:${bytes.toString('latin1')}`;
    case GENERAL_NAME.directoryName:
      return 'DirName';
    case 0:
      return 'othername';
    default:
      return `GeneralName[${n.type}]`;
  }
}

/** Node's (OpenSSL's) view of a certificate, or an error naming `source`. */
export function readCertificate(input: string | Buffer, source: string): X509Certificate {
  try {
    return new X509Certificate(input);
  } catch {
    throw failure(`${source} is not a readable certificate (PEM or DER)`);
  }
}

/** Both views, or one error naming `source`. */
export function openCertificate(input: string | Buffer, source: string): { x509: X509Certificate; parsed: ParsedCertificate } {
  const x509 = readCertificate(input, source);
  try {
    return { x509, parsed: parseCertificate(Buffer.from(x509.raw)) };
  } catch (err) {
    throw failure(`${source} is not a certificate this CA can read (${err instanceof DerError ? err.message : String(err)})`);
  }
}

export interface CertificateSummary {
  serial: string;
  subject: Subject;
  sans: string[];
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, upper-case hex pairs joined by ":" as `openssl x509 -fingerprint` prints */
  fingerprint: string;
  /** SHA-256 of the SubjectPublicKeyInfo, hex: the same for every certificate of one key */
  publicKey: string;
  /** "RSA 2048", "ECDSA P-256", "Ed25519" */
  keyType: string;
  isCa: boolean;
}

export function summarizeCertificate(input: string | Buffer, source: string): CertificateSummary {
  const { x509, parsed } = openCertificate(input, source);
  return summarizeParsed(parsed, kindOfKey(x509.publicKey)?.label ?? String(x509.publicKey.asymmetricKeyType));
}

/**
 * The summary of a certificate already read, with its key's label: what issuance records of the
 * certificate it has just built, without handing it to OpenSSL again (`ca serve` pays for every
 * parse once per request).
 */
export function summarizeParsed(parsed: ParsedCertificate, keyType: string): CertificateSummary {
  return {
    serial: parsed.serial,
    subject: subjectOf(parsed.subject),
    sans: parsed.sans,
    notBefore: parsed.notBefore,
    notAfter: parsed.notAfter,
    fingerprint: fingerprintOf(parsed.der),
    publicKey: createHash('sha256').update(parsed.spki).digest('hex'),
    keyType,
    isCa: parsed.isCa,
  };
}

/** SHA-256 of a DER encoding, upper-case hex pairs joined by ":" (Node's fingerprint256, openssl's -fingerprint). */
export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** True when the certificate and the private key share a public key. */
export function keyMatchesCertificate(pem: string | Buffer, key: KeyObject): boolean {
  return new X509Certificate(pem).checkPrivateKey(key);
}
