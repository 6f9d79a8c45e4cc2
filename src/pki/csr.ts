/**
 * Certification requests (PKCS#10, RFC 2986). `buildRequest` makes the CSR that `new-cert` stores;
 * `readRequest` takes one from outside and applies SPEC's signing policy, cheapest checks first: the
 * size of the input, its structure, the size of its key (before any arithmetic with it), then the
 * signature, verified by OpenSSL; only CN, O and the SANs are taken, each through the same checks as
 * the command-line flags; a request that asks for CA:TRUE or carries a critical extension we do not
 * understand is refused by name (RFC 5280 4.2: such an extension must not be ignored).
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { CaError, failure } from '../error.js';
import {
  DerError,
  Type,
  bitString,
  bytesOf,
  children,
  context,
  encode,
  isContext,
  oid,
  parse,
  pem,
  raw,
  readBitStringBytes,
  readBoolean,
  readOid,
  seq,
  set,
  smallInteger,
  type Node,
} from './der.js';
import { EXTENSION_OIDS, extension, generalNames } from './extensions.js';
import { parseRequestedDnsName } from './dns.js';
import { parseIpBytes } from './ip.js';
import { blockDer, pemBlocks } from './pem.js';
import { spkiDer } from './spki.js';
import { REQUEST_SIGNATURES, type KeyKind } from './key-type.js';
import { checkPublicKey } from './public-key.js';
import { GENERAL_NAME, checkAltNames, noAltNames, parseEmail, parseUri, type AltNames } from './san.js';
import { algorithmIdentifier, signatureAlgorithmOf } from './signer.js';
import { checkAttribute, encodeName, readName, subjectOf, type Subject } from './subject.js';
import { readExtensionList, type Extension } from './x509.js';

/** SPEC: a CSR, certificate or CRL over 64 KiB is refused before it is parsed. */
export const MAX_INPUT_BYTES = 64 * 1024;

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14'; // PKCS#9 extensionRequest (RFC 2985 5.4.2)

export interface RequestParams {
  subject: Subject;
  altNames: AltNames;
  key: KeyObject;
}

export function buildRequest(p: RequestParams): string {
  const names = generalNames(p.altNames);
  const attributes: Node[] = [];
  if ((names.value as Node[]).length > 0) {
    attributes.push(seq([oid(EXTENSION_REQUEST), set([seq([extension(EXTENSION_OIDS.subjectAltName, false, names)])])]));
  }
  const info = seq([smallInteger(0), encodeName(p.subject), raw(spkiDer(p.key)), context(0, attributes)]);
  const alg = signatureAlgorithmOf(p.key);
  const infoDer = encode(info);
  const signature = sign(alg.hash, infoDer, p.key);
  const request = seq([info, algorithmIdentifier(alg), bitString(signature)]);
  return pem('CERTIFICATE REQUEST', encode(request));
}

export interface RequestInfo {
  subject: Subject;
  altNames: AltNames;
  publicKey: KeyObject;
  kind: KeyKind;
  keyBits: number;
  /** SAN kinds that were in the request and are not taken (directoryName, otherName, …) */
  ignored: string[];
  /** the request itself, re-armoured as PEM whatever form it came in */
  pem: string;
}

/** Extensions whose meaning we know; the profile decides their values, the CSR only SANs. */
const KNOWN_EXTENSIONS = new Set<string>([
  EXTENSION_OIDS.subjectKeyIdentifier,
  EXTENSION_OIDS.keyUsage,
  EXTENSION_OIDS.subjectAltName,
  EXTENSION_OIDS.basicConstraints,
  EXTENSION_OIDS.extKeyUsage,
]);

/**
 * Accepts PEM text or DER bytes. Whatever the input, the result is a RequestInfo or a CaError:
 * this is the boundary where bytes from outside meet the parsers.
 */
export function readRequest(input: Buffer | string, source: string): RequestInfo {
  try {
    return parseRequest(input, source);
  } catch (err) {
    if (err instanceof CaError) throw err;
    const why = err instanceof DerError ? err.message : (err as Error).message;
    throw failure(`${source} is not a valid certificate signing request (${why})`);
  }
}

function parseRequest(input: Buffer | string, source: string): RequestInfo {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > MAX_INPUT_BYTES) throw failure(`${source} is larger than ${MAX_INPUT_BYTES / 1024} KiB; a certificate signing request is a few KiB`);
  const der = requestDer(input, source);
  let top: Node;
  try {
    top = parse(der);
  } catch (err) {
    throw failure(`${source} is not a certificate signing request in PEM or DER (${(err as Error).message})`);
  }
  const [infoNode, algNode, sigNode] = children(top, Type.SEQUENCE, 'CertificationRequest', 3);
  const [, subjectNode, spkiNode, attributesNode] = children(infoNode, Type.SEQUENCE, 'CertificationRequestInfo', 4);
  const algorithmId = readOid(children(algNode, Type.SEQUENCE, 'signatureAlgorithm', 1)[0], 'signature algorithm');
  const algorithm = REQUEST_SIGNATURES[algorithmId];
  if (!algorithm) throw failure(`${source} is signed with an algorithm this CA does not accept (${algorithmId})`, 'sign it with SHA-256 or better');
  const signature = readBitStringBytes(sigNode, 'signature');

  // Sizes before arithmetic: checkPublicKey bounds the key before OpenSSL computes with it.
  const checked = checkPublicKey(bytesOf(spkiNode!), source);
  if (checked.kind.type !== algorithm.keyType) {
    throw failure(`the signature of ${source} (${algorithm.name}) does not fit its ${checked.kind.label} key`);
  }
  if (!verifies(algorithm.hash, bytesOf(infoNode!), checked.key, signature)) {
    throw failure(`the signature of ${source} does not verify: it was altered or made with another key`);
  }
  const subject = requestedSubject(subjectNode!, source);
  const { altNames, ignored } = requestedAltNames(attributesNode, source);
  return { subject, altNames, publicKey: checked.key, kind: checked.kind, keyBits: checked.bits, ignored, pem: pem('CERTIFICATE REQUEST', der) };
}

function verifies(hash: string | null, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(hash, data, key, signature);
  } catch {
    return false;
  }
}

function requestDer(input: Buffer | string, source: string): Buffer {
  const text = typeof input === 'string' ? input : input.toString('latin1');
  if (!text.includes('-----BEGIN')) return typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const blocks = pemBlocks(text).map((b) => ({ type: b.label, der: blockDer(b) }));
  const block = blocks.find((b) => b.type === 'CERTIFICATE REQUEST' || b.type === 'NEW CERTIFICATE REQUEST');
  if (!block) {
    const found = blocks.map((b) => b.type).join(', ') || 'no complete PEM block';
    throw failure(`${source} holds no CERTIFICATE REQUEST (found: ${found})`);
  }
  return block.der;
}

/** CN and O, through the checks the flags get (SPEC: only these two are taken from a request). */
function requestedSubject(node: Node, source: string): Subject {
  let attrs: Subject;
  let hasCommonName: boolean;
  try {
    const attributes = readName(node);
    hasCommonName = attributes.some((a) => a.type === 'CN');
    attrs = subjectOf(attributes);
  } catch (err) {
    if (err instanceof DerError) throw failure(`the subject of ${source} is not usable: ${err.message}`);
    throw err;
  }
  const take = (label: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    try {
      return checkAttribute(label, value);
    } catch (err) {
      throw failure(`${source}: ${(err as CaError).message}`, (err as CaError).hint);
    }
  };
  // No CN at all is allowed (the name in the store is used); an empty one is refused as `--common-name ''` is.
  const commonName = hasCommonName ? take('common name', attrs.commonName)! : '';
  return { commonName, organization: take('organization', attrs.organization), country: attrs.country };
}

function extensionsOf(attributes: Node | undefined): Extension[] {
  if (!attributes || !isContext(attributes, 0)) throw new DerError('attributes: expected [0]');
  const found: Extension[] = [];
  for (const attr of attributes.value as Node[]) {
    const [typeNode, values] = children(attr, Type.SEQUENCE, 'attribute', 2);
    if (readOid(typeNode, 'attribute type') !== EXTENSION_REQUEST) continue;
    for (const exts of children(values, Type.SET, 'extensionRequest')) found.push(...readExtensionList(exts));
  }
  return found;
}

function requestedAltNames(attributes: Node | undefined, source: string): { altNames: AltNames; ignored: string[] } {
  const exts = extensionsOf(attributes);
  for (const ext of exts) {
    if (ext.critical && !KNOWN_EXTENSIONS.has(ext.id)) {
      throw failure(`${source} carries an unknown critical extension (${ext.id})`, 'make the request without it');
    }
    if (ext.id === EXTENSION_OIDS.basicConstraints) {
      const items = children(parse(ext.value), Type.SEQUENCE, 'basicConstraints');
      if (items[0]?.type === Type.BOOLEAN && readBoolean(items[0], 'cA')) {
        throw failure(`${source} asks for a CA certificate (basicConstraints CA:TRUE); this CA issues only end-entity certificates`);
      }
    }
  }
  const names = noAltNames();
  const ignored: string[] = [];
  const sans = exts.filter((e) => e.id === EXTENSION_OIDS.subjectAltName);
  if (sans.length > 1) throw failure(`${source} carries ${sans.length} subjectAltName extensions`, 'make the request with one');
  const list = sans[0] ? children(parse(sans[0].value), Type.SEQUENCE, 'subjectAltName') : [];
  for (const n of list) {
    const bytes = n.tagClass === 0x80 && typeof n.value === 'string' ? Buffer.from(n.value, 'binary') : undefined;
    try {
      if (bytes && n.type === GENERAL_NAME.dNSName) names.dns.push(parseRequestedDnsName(bytes));
      else if (bytes && n.type === GENERAL_NAME.iPAddress) names.ips.push(parseIpBytes(bytes));
      else if (bytes && n.type === GENERAL_NAME.uniformResourceIdentifier) names.uris.push(parseUri(bytes.toString('latin1')));
      else if (bytes && n.type === GENERAL_NAME.rfc822Name) names.emails.push(parseEmail(bytes.toString('latin1')));
      else ignored.push(GENERAL_NAME_KINDS[n.type] ?? `type ${n.type}`);
    } catch (err) {
      if (!(err instanceof CaError)) throw err;
      throw failure(`${source}: ${err.message}`, err.hint);
    }
  }
  try {
    return { altNames: checkAltNames(names), ignored: [...new Set(ignored)] };
  } catch (err) {
    if (!(err instanceof CaError)) throw err;
    throw failure(`${source}: ${err.message}`, err.hint);
  }
}

const GENERAL_NAME_KINDS: Record<number, string> = { 0: 'otherName', 3: 'x400Address', 4: 'directoryName', 5: 'ediPartyName', 8: 'registeredID' };
