/**
 * A certificate signing request as `ca inspect` presents it. Unlike readRequest (csr.ts), which is
 * the gate for what this CA signs and refuses a request whose signature does not verify, this only
 * reads and says: a bad signature, an algorithm the CA would refuse or an odd subject are reported,
 * not thrown, so the user learns what is in the file.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { Type, bytesOf, children, parse, readBitStringBytes, readOid, type Node } from './der.js';
import { EXTENSION_OIDS } from './extensions.js';
import { kindOfKey, REQUEST_SIGNATURES } from './key-type.js';
import { readName, subjectOf, subjectText, type NameAttribute } from './subject.js';
import { generalNameText, readExtensionList } from './x509.js';

/** PKCS#9 extensionRequest (RFC 2985 5.4.2): where a request carries its SANs. */
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

export interface RequestDescription {
  subject: string;
  sans: string[];
  /** "RSA 2048", "ECDSA P-256", "Ed25519", or the algorithm's own name */
  key: string;
  signatureAlgorithm: string;
  /** the request is signed by the key it carries (proof of possession, RFC 2986 3) */
  signatureValid: boolean;
}

/** Throws DerError (or a parse error) for what is not a PKCS#10 request. */
export function describeRequest(der: Buffer): RequestDescription {
  const [infoNode, algNode, sigNode] = children(parse(der), Type.SEQUENCE, 'CertificationRequest', 3);
  const [, subjectNode, spkiNode, attributesNode] = children(infoNode, Type.SEQUENCE, 'CertificationRequestInfo', 4);
  const algorithmId = readOid(children(algNode, Type.SEQUENCE, 'signatureAlgorithm', 1)[0], 'signature algorithm');
  const signature = readBitStringBytes(sigNode, 'signature');
  const key = createPublicKey({ key: bytesOf(spkiNode!), format: 'der', type: 'spki' });
  const algorithm = REQUEST_SIGNATURES[algorithmId];
  return {
    subject: nameText(readName(subjectNode!)),
    sans: requestedSans(attributesNode),
    key: keyLabel(key),
    signatureAlgorithm: algorithm?.name ?? algorithmId,
    signatureValid: algorithm !== undefined && verifies(algorithm.hash, bytesOf(infoNode!), key, signature),
  };
}

/** "RSA 2048", "ECDSA P-256", "Ed25519"; another kind by Node's name for it. */
export function keyLabel(key: KeyObject): string {
  return kindOfKey(key)?.label ?? `${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.modulusLength ? ` ${key.asymmetricKeyDetails.modulusLength}` : ''}`;
}

/** A name as text; attributes this CA does not use are listed by type. */
export function nameText(attributes: NameAttribute[]): string {
  try {
    return subjectText(subjectOf(attributes));
  } catch {
    return attributes.map((a) => `${a.type}=${a.value}`).join(', ');
  }
}

function requestedSans(attributes: Node | undefined): string[] {
  if (!attributes || !Array.isArray(attributes.value)) return [];
  for (const attr of attributes.value as Node[]) {
    const [typeNode, values] = children(attr, Type.SEQUENCE, 'attribute', 2);
    if (readOid(typeNode, 'attribute type') !== EXTENSION_REQUEST) continue;
    for (const exts of children(values, Type.SET, 'extensionRequest')) {
      const san = readExtensionList(exts).find((e) => e.id === EXTENSION_OIDS.subjectAltName);
      if (san) return children(parse(san.value), Type.SEQUENCE, 'subjectAltName').map(generalNameText);
    }
  }
  return [];
}

function verifies(hash: string | null, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(hash, data, key, signature);
  } catch {
    return false;
  }
}
