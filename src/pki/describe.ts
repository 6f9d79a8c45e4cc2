/** A certificate as `ca show` presents it: the fields a person checks, in words. */
import { kindOfKey } from './key-type.js';
import { subjectOf, subjectText } from './subject.js';
import { openCertificate } from './x509.js';

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
  /** "RSA 2048", "ECDSA P-256", "Ed25519" */
  key: string;
}

export function describeCertificate(pem: string | Buffer, now: Date, source = 'the certificate'): CertificateDescription {
  const { x509, parsed } = openCertificate(pem, source);
  const notAfter = new Date(x509.validTo);
  return {
    subject: nameText(parsed.subject),
    issuer: nameText(parsed.issuer),
    serial: parsed.serial,
    sans: parsed.sans,
    keyUsage: parsed.keyUsage,
    extKeyUsage: parsed.extKeyUsage,
    isCa: parsed.isCa,
    pathLength: parsed.pathLength,
    notBefore: new Date(x509.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.ceil((notAfter.getTime() - now.getTime()) / 86_400_000),
    fingerprint: x509.fingerprint256,
    key: kindOfKey(x509.publicKey)?.label ?? String(x509.publicKey.asymmetricKeyType),
  };
}

function nameText(attributes: ReturnType<typeof openCertificate>['parsed']['subject']): string {
  try {
    return subjectText(subjectOf(attributes));
  } catch {
    return attributes.map((a) => `${a.type}=${a.value}`).join(', ');
  }
}
