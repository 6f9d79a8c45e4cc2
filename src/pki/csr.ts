/**
 * Certification requests (PKCS#10, RFC 2986). `buildRequest` makes the CSR that `new-cert` stores;
 * `readRequest` takes one from outside and applies SPEC's signing policy: the signature must verify,
 * only CN, O and DNS/IP SANs are taken, and a CSR that asks for CA:TRUE or carries a critical
 * extension we do not understand is refused by name (RFC 5280 4.2: a critical extension that is not
 * recognised must not be ignored).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { CaError, failure } from '../error.js';
import { pki, asn1, unixLines, type Asn1, type CertificateRequest } from './forge.js';
import { ipFromBytes, parseIp } from './ip.js';
import { parseDnsName } from './dns.js';
import { toForgePublicKey } from './key.js';
import type { AltNames } from './san.js';
import { signRequest } from './signer.js';
import { subjectAttributes, subjectFromAttributes, type Subject } from './subject.js';

export interface RequestParams {
  subject: Subject;
  altNames: AltNames;
  key: KeyObject;
}

export function buildRequest(p: RequestParams): string {
  const csr = pki.createCertificationRequest();
  csr.publicKey = toForgePublicKey(createPublicKey(p.key));
  csr.setSubject(subjectAttributes(p.subject));
  const altNames = [
    ...p.altNames.dns.map((value) => ({ type: 2, value })),
    ...p.altNames.ips.map((ip) => ({ type: 7, value: ip.bytes.toString('binary') })),
  ];
  if (altNames.length > 0) {
    csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] }]);
  }
  signRequest(csr, p.key);
  return unixLines(pki.certificationRequestToPem(csr));
}

export interface RequestInfo {
  subject: Subject;
  altNames: AltNames;
  publicKey: KeyObject;
  keyBits: number;
  /** SAN kinds that were in the request and are not taken (e-mail, URI, …) */
  ignored: string[];
  /** the request itself, re-armoured as PEM whatever form it came in */
  pem: string;
}

/** Extensions whose meaning we know; the profile decides their values, the CSR only SANs. */
const KNOWN_EXTENSIONS = new Set([
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.19', // basicConstraints
  '2.5.29.37', // extKeyUsage
]);

const KEY_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.113549.1.1.10': 'RSA-PSS',
  '1.2.840.10045.2.1': 'EC',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.10040.4.1': 'DSA',
};

/** Minimum RSA size (NIST SP 800-131A: below 2048 bits is disallowed for signatures). */
export const MIN_RSA_BITS = 2048;

/**
 * Accepts PEM text or DER bytes. Whatever the input, the result is a RequestInfo or a CaError:
 * this is the boundary where bytes from outside meet node-forge, whose parsers throw plain errors.
 */
export function readRequest(input: Buffer | string, source: string): RequestInfo {
  try {
    return parseRequest(input, source);
  } catch (err) {
    if (err instanceof CaError) throw err;
    throw failure(`${source} is not a valid certificate signing request (${(err as Error).message})`);
  }
}

function parseRequest(input: Buffer | string, source: string): RequestInfo {
  const der = requestDer(input, source);
  let csrAsn1: Asn1;
  try {
    csrAsn1 = asn1.fromDer(der.toString('binary'));
  } catch (err) {
    throw failure(`${source} is not a certificate signing request in PEM or DER (${(err as Error).message})`);
  }
  const algorithm = keyAlgorithm(csrAsn1, source);
  if (algorithm !== 'RSA') {
    throw failure(`the key of ${source} is ${algorithm}; only RSA keys are supported`, 'make the request with an RSA key (openssl req -newkey rsa:2048)');
  }
  let csr: CertificateRequest;
  try {
    csr = pki.certificationRequestFromAsn1(csrAsn1);
  } catch (err) {
    throw failure(`${source} is not a valid certificate signing request (${(err as Error).message})`);
  }
  if (!verifies(csr)) throw failure(`the signature of ${source} does not verify: it was altered or made with another key`);
  const publicKey = csr.publicKey as unknown as { n: { bitLength(): number } };
  const keyBits = publicKey.n.bitLength();
  if (keyBits < MIN_RSA_BITS) {
    throw failure(`${source} has a ${keyBits}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`);
  }
  const subject = subjectFromAttributes(csr.subject.attributes);
  const { altNames, ignored } = requestedAltNames(csr, source);
  return {
    subject: { commonName: subject.commonName, organization: subject.organization, country: subject.country },
    altNames,
    publicKey: createPublicKey(pki.publicKeyToPem(csr.publicKey!)),
    keyBits,
    ignored,
    pem: armour(der),
  };
}

function requestDer(input: Buffer | string, source: string): Buffer {
  const text = typeof input === 'string' ? input : input.toString('latin1');
  if (!text.includes('-----BEGIN')) return typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const blocks = pemBlocks(text);
  const block = blocks.find((b) => b.type === 'CERTIFICATE REQUEST' || b.type === 'NEW CERTIFICATE REQUEST');
  if (!block) {
    const found = blocks.map((b) => b.type).join(', ') || 'no complete PEM block';
    throw failure(`${source} holds no CERTIFICATE REQUEST (found: ${found})`);
  }
  return block.der;
}

function armour(der: Buffer): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${body}-----END CERTIFICATE REQUEST-----\n`;
}

function pemBlocks(text: string): { type: string; der: Buffer }[] {
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  return [...text.matchAll(re)].map((m) => ({ type: m[1]!, der: Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64') }));
}

/** CertificationRequest → certificationRequestInfo → subjectPKInfo → algorithm → OID. */
function keyAlgorithm(csr: Asn1, source: string): string {
  try {
    const info = (csr.value as Asn1[])[0]!;
    const spki = (info.value as Asn1[])[2]!;
    const algId = (spki.value as Asn1[])[0]!;
    const oid = asn1.derToOid((algId.value as Asn1[])[0]!.value as string);
    return KEY_ALGORITHMS[oid] ?? `unknown (${oid})`;
  } catch {
    throw failure(`${source} is not a PKCS#10 certificate signing request`);
  }
}

/** forge's verify() returns false for an altered body but throws for altered signature bytes. */
function verifies(csr: CertificateRequest): boolean {
  try {
    return csr.verify();
  } catch {
    return false;
  }
}

interface ForgeExtension {
  id: string;
  name?: string;
  critical?: boolean;
  cA?: boolean;
  altNames?: { type: number; value: string }[];
}

function requestedAltNames(csr: CertificateRequest, source: string): { altNames: AltNames; ignored: string[] } {
  const attr = csr.getAttribute({ name: 'extensionRequest' }) as { extensions?: ForgeExtension[] } | null;
  const exts = attr?.extensions ?? [];
  for (const ext of exts) {
    if (ext.critical && !KNOWN_EXTENSIONS.has(ext.id)) {
      throw failure(`${source} carries an unknown critical extension ${ext.name ?? ext.id} (${ext.id})`, 'make the request without it');
    }
    if (ext.id === '2.5.29.19' && ext.cA) {
      throw failure(`${source} asks for a CA certificate (basicConstraints CA:TRUE); this CA issues only end-entity certificates`);
    }
  }
  const altNames: AltNames = { dns: [], ips: [] };
  const ignored: string[] = [];
  const san = exts.find((e) => e.id === '2.5.29.17');
  for (const name of san?.altNames ?? []) {
    if (name.type === 2) altNames.dns.push(parseDnsName(name.value));
    else if (name.type === 7) altNames.ips.push(parseIp(ipFromBytes(Buffer.from(name.value, 'binary'))));
    else ignored.push(GENERAL_NAME_KINDS[name.type] ?? `type ${name.type}`);
  }
  return { altNames, ignored };
}

const GENERAL_NAME_KINDS: Record<number, string> = { 0: 'otherName', 1: 'email', 4: 'directoryName', 6: 'URI', 8: 'registeredID' };
