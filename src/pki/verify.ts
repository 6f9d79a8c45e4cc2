/**
 * Checking a certificate against the CA (`ca verify`): what a TLS peer would check, in the order it
 * would, with every problem found named. Pure: the clock and the revoked serials are passed in.
 */
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { outsideConstraints, type NameConstraints } from './constraints.js';
import { parseIp, type IpAddress } from './ip.js';
import { EKU_OIDS } from './usage.js';
import { noAltNames, type AltNames } from './san.js';

export type Usage = 'server' | 'client';
const EKU: Record<Usage, { oid: string; name: string }> = {
  server: { oid: EKU_OIDS.serverAuth, name: 'serverAuth' },
  client: { oid: EKU_OIDS.clientAuth, name: 'clientAuth' },
};

export interface VerifyParams {
  certificate: X509Certificate;
  /** the CA that issued it */
  ca: X509Certificate;
  /** the certificates above that CA, its issuer first, the root (the trust anchor) last */
  chain?: X509Certificate[] | undefined;
  /** the name constraints of every CA on the chain */
  constraints?: NameConstraints[] | undefined;
  /** the certificate's SANs ("DNS:…", "IP:…", "URI:…", "email:…") */
  sans?: string[] | undefined;
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
    problems.push(...chainProblems([ca, ...(p.chain ?? [])], now));
    if (p.revoked.has(cert.serialNumber.toLowerCase())) problems.push('it has been revoked');
    const outside = (p.constraints ?? []).map((c) => outsideConstraints(c, namesOf(p.sans ?? []), commonNameOf(cert))).find(Boolean);
    if (outside) problems.push(`it names ${outside}, outside the CA's name constraints`);
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

/** Each CA certificate is issued by the next, valid now, and a CA (RFC 5280 6.1.3, 6.1.4 (k)). */
function chainProblems(cas: X509Certificate[], now: Date): string[] {
  const problems: string[] = [];
  cas.forEach((c, i) => {
    const label = i === 0 ? 'the CA' : `the CA above it (${c.subject.replace(/\n/g, ', ')})`;
    if (now > new Date(c.validTo)) problems.push(`${label} expired on ${new Date(c.validTo).toISOString()}`);
    if (!c.ca) problems.push(`${label} is not a CA certificate`);
    const issuer = cas[i + 1];
    if (issuer && (!c.checkIssued(issuer) || !c.verify(issuer.publicKey))) problems.push(`${label} was not issued by the certificate above it in chain.pem`);
  });
  return problems;
}

function namesOf(sans: string[]): AltNames {
  const names = noAltNames();
  for (const s of sans) {
    if (s.startsWith('DNS:')) names.dns.push(s.slice(4));
    else if (s.startsWith('URI:')) names.uris.push(s.slice(4));
    else if (s.startsWith('email:')) names.emails.push(s.slice(6));
    else if (s.startsWith('IP:')) {
      const ip = tryIp(s.slice(3));
      if (ip) names.ips.push(ip);
    }
  }
  return names;
}

function tryIp(text: string): IpAddress | undefined {
  try {
    return parseIp(text);
  } catch {
    return undefined;
  }
}

function commonNameOf(cert: X509Certificate): string {
  return cert.subject.split('\n').find((l) => l.startsWith('CN='))?.slice(3) ?? '';
}
