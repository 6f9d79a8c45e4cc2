/**
 * Checking a certificate against the CA (`ca verify`): what a TLS peer would check, in the order it
 * would, with every problem found named. Pure: the clock and the revoked serials are passed in.
 */
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';

export type Usage = 'server' | 'client';
const EKU: Record<Usage, { oid: string; name: string }> = {
  server: { oid: '1.3.6.1.5.5.7.3.1', name: 'serverAuth' },
  client: { oid: '1.3.6.1.5.5.7.3.2', name: 'clientAuth' },
};

export interface VerifyParams {
  certificate: X509Certificate;
  ca: X509Certificate;
  now: Date;
  /** lower-case hex serials the CA has revoked */
  revoked: ReadonlySet<string>;
  host?: string | undefined;
  usage?: Usage | undefined;
}

export interface Verdict {
  valid: boolean;
  problems: string[];
}

export function verifyCertificate(p: VerifyParams): Verdict {
  const { certificate: cert, ca, now } = p;
  const problems: string[] = [];
  // RFC 5280 6.1.3 (a)(1): the signature, by the issuer's key; and the names must chain.
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    problems.push("it was not issued by this store's CA (the signature does not verify against ca.crt)");
  } else {
    const notBefore = new Date(cert.validFrom);
    const notAfter = new Date(cert.validTo);
    if (now < notBefore) problems.push(`it is not valid before ${notBefore.toISOString()}`);
    if (now > notAfter) problems.push(`it expired on ${notAfter.toISOString()}`);
    if (now > new Date(ca.validTo)) problems.push(`the CA expired on ${new Date(ca.validTo).toISOString()}`);
    if (p.revoked.has(cert.serialNumber.toLowerCase())) problems.push('it has been revoked');
  }
  if (p.usage) {
    const eku = EKU[p.usage];
    // No extKeyUsage means no restriction (RFC 5280 4.2.1.12); ours always carry one.
    if (cert.keyUsage !== undefined && !cert.keyUsage.includes(eku.oid)) {
      problems.push(`it is not for ${p.usage} use (no ${eku.name} in its extended key usage)`);
    }
  }
  if (p.host !== undefined) {
    const ip = isIP(p.host) !== 0;
    const match = ip ? cert.checkIP(p.host) : cert.checkHost(p.host, { subject: 'never' });
    const sans = (cert.subjectAltName ?? 'none').replace(/IP Address:/g, 'IP:');
    if (!match) problems.push(`it does not name ${p.host} (its SANs: ${sans})`);
  }
  return { valid: problems.length === 0, problems };
}
