/**
 * Certificate revocation lists, version 2 (RFC 5280 5). node-forge has no CRL writer, so the
 * TBSCertList is encoded here with forge's ASN.1 and signed natively. Each CRL carries the two
 * extensions a conforming CA must include (5.2.1 authorityKeyIdentifier, 5.2.3 cRLNumber), and
 * each entry its reason code unless the reason is unspecified (5.3.1: then the code is omitted).
 */
import { createPublicKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { usageError } from '../error.js';
import { asn1, pki, type Asn1 } from './forge.js';
import { keyIdentifier } from './key.js';

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

const { Class, Type } = asn1;
const seq = (items: Asn1[]) => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
const oid = (id: string) => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(id).getBytes());
const octets = (bytes: string) => asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes);
const integer = (hex: string) => asn1.create(Class.UNIVERSAL, Type.INTEGER, false, Buffer.from(hex, 'hex').toString('binary'));

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function time(date: Date): Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

function extension(id: string, value: Asn1): Asn1 {
  return seq([oid(id), octets(asn1.toDer(value).getBytes())]);
}

/** A positive INTEGER's content octets, minimal (X.690 8.3.2), from a hex number. */
function integerHex(n: number): string {
  const hex = n.toString(16).padStart(2, '0');
  const even = hex.length % 2 ? `0${hex}` : hex;
  return parseInt(even.slice(0, 2), 16) >= 0x80 ? `00${even}` : even;
}

export function buildCrl(p: CrlParams): string {
  const SHA256_WITH_RSA = pki.oids.sha256WithRSAEncryption!;
  const algorithm = seq([oid(SHA256_WITH_RSA), asn1.create(Class.UNIVERSAL, Type.NULL, false, '')]);
  const entries = p.revoked.map((r) => {
    const fields = [integer(r.serial), time(r.revokedAt)];
    const code = REVOCATION_REASONS[r.reason] ?? 0;
    if (code !== 0) {
      const reason = asn1.create(Class.UNIVERSAL, Type.ENUMERATED, false, String.fromCharCode(code));
      fields.push(seq([extension('2.5.29.21', reason)]));
    }
    return seq(fields);
  });
  const caKeyId = keyIdentifier(createPublicKey(p.caKey)).toString('binary');
  const aki = seq([asn1.create(Class.CONTEXT_SPECIFIC, 0, false, caKeyId)]);
  const crlNumber = integer(integerHex(p.number));
  const tbs = seq([
    asn1.create(Class.UNIVERSAL, Type.INTEGER, false, String.fromCharCode(1)), // v2
    algorithm,
    issuerName(p.caCertificatePem),
    time(p.thisUpdate),
    time(p.nextUpdate),
    ...(entries.length > 0 ? [seq(entries)] : []), // RFC 5280 5.1.2.6: absent when empty
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [seq([extension('2.5.29.35', aki), extension('2.5.29.20', crlNumber)])]),
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, p.caKey);
  const crl = seq([tbs, algorithm, asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, `\0${signature.toString('binary')}`)]);
  const der = Buffer.from(asn1.toDer(crl).getBytes(), 'binary');
  return `-----BEGIN X509 CRL-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END X509 CRL-----\n`;
}

/** The issuer as the CA certificate encodes its subject, byte for byte (RFC 5280 5.1.2.3). */
function issuerName(caPem: string): Asn1 {
  const der = Buffer.from(new X509Certificate(caPem).raw);
  const cert = asn1.fromDer(der.toString('binary'));
  const tbs = (cert.value as Asn1[])[0]!;
  const fields = tbs.value as Asn1[];
  const offset = fields[0]!.tagClass === Class.CONTEXT_SPECIFIC ? 1 : 0; // [0] version present
  return fields[offset + 4]!; // serial, signature, issuer, validity, subject
}
