/**
 * Building and reading certificates. node-forge encodes the X.509 v3 structure; the signature is
 * native (signer.ts). Reading uses Node's X509Certificate, which is OpenSSL's own parser.
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { failure } from '../error.js';
import { pki, unixLines, type Certificate } from './forge.js';
import { buildExtensions } from './extensions.js';
import { ipFromBytes } from './ip.js';
import { keyIdentifier, toForgePublicKey } from './key.js';
import type { Profile } from './profile.js';
import type { AltNames } from './san.js';
import { signCertificate } from './signer.js';
import { subjectAttributes, subjectFromAttributes, type Subject } from './subject.js';
import type { Validity } from './validity.js';

export interface Issuer {
  certificatePem: string;
  key: KeyObject;
}

export interface CertificateParams {
  subject: Subject;
  /** the subject's key (private or public) */
  publicKey: KeyObject;
  serial: string;
  validity: Validity;
  profile: Profile;
  altNames: AltNames;
  /** absent: self-signed, with `selfKey` signing */
  issuer?: Issuer | undefined;
  /** the signing key of a self-signed certificate */
  selfKey?: KeyObject | undefined;
  pathLength?: number | undefined;
}

export function buildCertificate(p: CertificateParams): string {
  const cert = pki.createCertificate();
  cert.version = 2; // X.509 v3 (RFC 5280 4.1.2.1: the value is zero-based)
  cert.serialNumber = p.serial;
  cert.validity.notBefore = p.validity.notBefore;
  cert.validity.notAfter = p.validity.notAfter;
  const subject = subjectAttributes(p.subject);
  cert.setSubject(subject);
  const publicKey = p.publicKey.type === 'private' ? createPublicKey(p.publicKey) : p.publicKey;
  cert.publicKey = toForgePublicKey(publicKey);

  let signingKey: KeyObject;
  let authorityKeyId: Buffer | undefined;
  if (p.issuer) {
    const caCert = pki.certificateFromPem(p.issuer.certificatePem);
    cert.setIssuer(caCert.subject.attributes);
    authorityKeyId = subjectKeyIdOf(caCert, p.issuer.key);
    signingKey = p.issuer.key;
  } else {
    if (!p.selfKey) throw new Error('a self-signed certificate needs its own key');
    cert.setIssuer(subject);
    signingKey = p.selfKey;
  }
  cert.setExtensions(
    buildExtensions({
      profile: p.profile,
      altNames: p.altNames,
      subjectKeyId: keyIdentifier(publicKey),
      authorityKeyId,
      pathLength: p.pathLength,
    }),
  );
  signCertificate(cert, signingKey);
  return unixLines(pki.certificateToPem(cert));
}

/**
 * The CA's key identifier as its certificate states it (RFC 5280 4.2.1.1: the AKI of an issued
 * certificate equals the issuer's SKI), computed from the key when the CA certificate has none.
 */
function subjectKeyIdOf(ca: Certificate, caKey: KeyObject): Buffer {
  const ski = ca.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  return ski?.subjectKeyIdentifier ? Buffer.from(ski.subjectKeyIdentifier, 'hex') : keyIdentifier(createPublicKey(caKey));
}

export interface CertificateSummary {
  serial: string;
  subject: Subject;
  sans: string[];
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, upper-case hex pairs joined by ":" as `openssl x509 -fingerprint` prints */
  fingerprint: string;
  isCa: boolean;
}

export function readCertificate(input: string | Buffer, source: string): X509Certificate {
  try {
    return new X509Certificate(input);
  } catch {
    throw failure(`${source} is not a readable certificate (PEM or DER)`);
  }
}

export function summarizeCertificate(pem: string, source: string): CertificateSummary {
  const x = readCertificate(pem, source);
  const forgeCert = pki.certificateFromPem(pem);
  return {
    serial: x.serialNumber.toLowerCase(),
    subject: subjectFromAttributes(forgeCert.subject.attributes),
    sans: altNamesOf(forgeCert),
    notBefore: new Date(x.validFrom),
    notAfter: new Date(x.validTo),
    fingerprint: x.fingerprint256,
    isCa: x.ca,
  };
}

/** "DNS:name" and "IP:address" in the canonical forms of dns.ts and ip.ts; other kinds as "other:". */
function altNamesOf(cert: Certificate): string[] {
  const ext = cert.getExtension('subjectAltName') as { altNames?: { type: number; value: string }[] } | null;
  return (ext?.altNames ?? []).map((n) => {
    if (n.type === 2) return `DNS:${n.value}`;
    if (n.type === 7) return `IP:${ipFromBytes(Buffer.from(n.value, 'binary'))}`;
    return `other:${n.type}`;
  });
}

/** True when the certificate and the private key share a public key. */
export function keyMatchesCertificate(pem: string, key: KeyObject): boolean {
  return new X509Certificate(pem).checkPrivateKey(key);
}
