/**
 * Certificate revocation lists, version 2 (RFC 5280 5). node-forge has no CRL writer, so the
 * TBSCertList is encoded here in DER and signed natively with the CA key's algorithm. Each CRL
 * carries the two extensions a conforming CA must include (5.2.1 authorityKeyIdentifier, 5.2.3 cRLNumber), and
 * each entry its reason code unless the reason is unspecified (5.3.1: then the code is omitted).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { usageError } from '../error.js';
import { Type, children, context, contextPrimitive, encode, enumerated, parse, pem, raw, readTime, seq, smallInteger, time, unsignedInteger } from './der.js';
import { EXTENSION_OIDS, extension } from './extensions.js';
import { keyIdentifier } from './key.js';
import { algorithmIdentifier, signatureAlgorithmOf, signed } from './signer.js';
import { parseCertificate } from './x509.js';

/** RFC 5280 5.3.1 CRLReason; 7 is unused. */
export const REVOCATION_REASONS: Record<string, number> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
};

export function parseReason(input: string | undefined): string {
  if (input === undefined) return 'unspecified';
  const name = Object.keys(REVOCATION_REASONS).find((r) => r.toLowerCase() === input.toLowerCase());
  if (!name || name === 'removeFromCRL') {
    const allowed = Object.keys(REVOCATION_REASONS).filter((r) => r !== 'removeFromCRL');
    throw usageError(`unknown revocation reason ${JSON.stringify(input)}`, `use one of: ${allowed.join(', ')}`);
  }
  return name;
}

export interface RevokedEntry {
  /** hex */
  serial: string;
  revokedAt: Date;
  reason: string;
}

export interface CrlParams {
  caCertificatePem: string;
  caKey: KeyObject;
  revoked: RevokedEntry[];
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
}

const REASON_CODE = '2.5.29.21';
const CRL_NUMBER = '2.5.29.20';

/** A CRL's nextUpdate (RFC 5280 5.1.2.5), read from its DER. */
export function crlNextUpdate(der: Buffer): Date {
  const [tbs] = children(parse(der), Type.SEQUENCE, 'CertificateList', 3);
  const fields = children(tbs, Type.SEQUENCE, 'TBSCertList', 5);
  const offset = fields[0]?.type === Type.INTEGER ? 1 : 0; // version, when present
  return readTime(fields[offset + 3], 'nextUpdate');
}

/** A CRL's PEM ("X509 CRL", as OpenSSL writes it). */
export function crlPem(der: Buffer): string {
  return pem('X509 CRL', der);
}

/** The CRL as DER and as PEM. */
export function buildCrl(p: CrlParams): { der: Buffer; pem: string } {
  const ca = parseCertificate(p.caCertificatePem);
  const algorithm = signatureAlgorithmOf(p.caKey);
  const entries = p.revoked.map((r) => {
    const fields = [unsignedInteger(Buffer.from(r.serial, 'hex')), time(r.revokedAt)];
    const code = REVOCATION_REASONS[r.reason] ?? 0;
    if (code !== 0) {
      fields.push(seq([extension(REASON_CODE, false, enumerated(code))]));
    }
    return seq(fields);
  });
  const caKeyId = ca.subjectKeyId ?? keyIdentifier(createPublicKey(p.caKey));
  const tbs = seq([
    smallInteger(1), // v2
    algorithmIdentifier(algorithm),
    raw(ca.subjectDer), // RFC 5280 5.1.2.3: the issuer exactly as the CA certificate names its subject
    time(p.thisUpdate),
    time(p.nextUpdate),
    ...(entries.length > 0 ? [seq(entries)] : []), // RFC 5280 5.1.2.6: absent when empty
    context(0, [
      seq([
        extension(EXTENSION_OIDS.authorityKeyIdentifier, false, seq([contextPrimitive(0, caKeyId)])),
        extension(CRL_NUMBER, false, smallInteger(p.number)),
      ]),
    ]),
  ]);
  const der = encode(signed(encode(tbs), algorithm, p.caKey));
  return { der, pem: crlPem(der) };
}
