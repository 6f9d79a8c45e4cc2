/** A certificate as `ca show` presents it: the fields a person checks, in words. */
import { X509Certificate } from 'node:crypto';
import { pki } from './forge.js';
import { subjectFromAttributes, subjectText } from './subject.js';
import { ipFromBytes } from './ip.js';

export interface CertificateDescription {
  subject: string;
  issuer: string;
  serial: string;
  sans: string[];
  keyUsage: string[];
  extKeyUsage: string[];
  isCa: boolean;
  pathLength: number | null;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  fingerprint: string;
  keyBits: number | null;
}

const KEY_USAGE_NAMES = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];
const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
};

export function describeCertificate(pem: string, now: Date): CertificateDescription {
  const x = new X509Certificate(pem);
  const cert = pki.certificateFromPem(pem);
  const ku = cert.getExtension('keyUsage') as Record<string, boolean> | null;
  const bc = cert.getExtension('basicConstraints') as { cA?: boolean; pathLenConstraint?: number } | null;
  const san = cert.getExtension('subjectAltName') as { altNames?: { type: number; value: string }[] } | null;
  const notAfter = new Date(x.validTo);
  return {
    subject: subjectText(subjectFromAttributes(cert.subject.attributes)),
    issuer: subjectText(subjectFromAttributes(cert.issuer.attributes)),
    serial: x.serialNumber.toLowerCase(),
    sans: (san?.altNames ?? []).map((n) =>
      n.type === 2 ? `DNS:${n.value}` : n.type === 7 ? `IP:${ipFromBytes(Buffer.from(n.value, 'binary'))}` : `type ${n.type}`,
    ),
    keyUsage: ku ? KEY_USAGE_NAMES.filter((k) => ku[k]) : [],
    extKeyUsage: (x.keyUsage ?? []).map((oid) => EKU_NAMES[oid] ?? oid),
    isCa: Boolean(bc?.cA),
    pathLength: bc?.pathLenConstraint ?? null,
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.ceil((notAfter.getTime() - now.getTime()) / 86_400_000),
    fingerprint: x.fingerprint256,
    keyBits: x.publicKey.asymmetricKeyDetails?.modulusLength ?? null,
  };
}
