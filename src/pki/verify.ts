/**
 * Checking a certificate against the CA (`ca verify`): what a TLS peer would check, in the order it
 * would, with every problem found named. Pure: the clock and the revoked serials are passed in.
 */
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { emailPermitted, hasConstraints, outsideConstraints, type NameConstraints } from './constraints.js';
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
    problems.push(...constraintProblems(cert, p.constraints ?? [], p.sans ?? []));
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

/**
 * The names outside the constraints of any CA on the chain: the SANs, the CN as verifiers read it
 * (pki/constraints.ts), a subject emailAddress (RFC 5280 4.2.1.10 holds it to the rfc822Name
 * constraints when there is no SAN; OpenSSL always does, and so does this check), and every SAN of
 * a form that no constraint of ours can hold (docs/security.md: otherName, directoryName and the
 * rest, which verifiers ignore or cannot be given constraints for; `ca` never issues one).
 */
function constraintProblems(cert: X509Certificate, constraints: NameConstraints[], sans: string[]): string[] {
  if (!constraints.some(hasConstraints)) return [];
  const { names, unchecked } = namesOf(sans);
  const problems = unchecked.map((n) => `it names ${n}, a name form that not every verifier holds to the CA's name constraints`);
  const outside = constraints.map((c) => outsideConstraints(c, names, commonNameOf(cert))).find(Boolean);
  if (outside) problems.push(`it names ${outside}, outside the CA's name constraints`);
  const email = subjectEmails(cert).find((e) => constraints.some((c) => !emailPermitted(c, e)));
  if (email) problems.push(`its subject names emailAddress=${email}, outside the CA's name constraints`);
  return problems;
}

/** SANs as x509.ts writes them, by form; what no constraint reaches (othername, DirName, …) apart. */
function namesOf(sans: string[]): { names: AltNames; unchecked: string[] } {
  const names = noAltNames();
  const unchecked: string[] = [];
  for (const s of sans) {
    const ip = s.startsWith('IP:') ? addressOf(s.slice(3)) : undefined;
    if (s.startsWith('DNS:')) names.dns.push(s.slice(4));
    else if (s.startsWith('URI:')) names.uris.push(s.slice(4));
    else if (s.startsWith('email:')) names.emails.push(s.slice(6));
    else if (ip) names.ips.push(ip);
    else unchecked.push(s);
  }
  return { names, unchecked };
}

const V4_MAPPED = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

/**
 * An iPAddress SAN as verifiers compare it: the ones `ca` refuses to issue (0.0.0.0, ::,
 * 255.255.255.255) included, and an IPv4-mapped IPv6 address kept as its 16 bytes (parseIp reads
 * it as IPv4; OpenSSL, GnuTLS, NSS, Go and Java hold it to IPv6 ranges only).
 */
function addressOf(text: string): IpAddress | undefined {
  try {
    const ip = parseIp(text);
    return text.includes(':') && ip.bytes.length === 4 ? { text, bytes: Buffer.concat([V4_MAPPED, ip.bytes]) } : ip;
  } catch {
    if (isIP(text) === 4) return { text, bytes: Buffer.from(text.split('.').map(Number)) };
    return text === '::' ? { text, bytes: Buffer.alloc(16) } : undefined;
  }
}

/** Node prints the subject one attribute a line, an e-mail address as emailAddress=…. */
function subjectEmails(cert: X509Certificate): string[] {
  return cert.subject.split('\n').filter((l) => l.startsWith('emailAddress=')).map((l) => l.slice('emailAddress='.length));
}

function commonNameOf(cert: X509Certificate): string {
  return cert.subject.split('\n').find((l) => l.startsWith('CN='))?.slice(3) ?? '';
}
