/**
 * A CRL (RFC 5280 5.1) as `ca inspect` presents it: who issued it, its number, when it was made and
 * when the next one is due, and each revoked serial with its reason. Read from the DER alone: the
 * issuer's certificate is not at hand, so the signature is not checked here (`openssl crl -CAfile`
 * does that).
 */
import { Type, children, isContext, parse, primitive, readTime, type Node } from './der.js';
import { REVOCATION_REASONS } from './crl.js';
import { nameText } from './request-description.js';
import { readName } from './subject.js';
import { readExtensionList } from './x509.js';

const CRL_NUMBER = '2.5.29.20'; // 5.2.3
const REASON_CODE = '2.5.29.21'; // 5.3.1
const REASON_NAMES = Object.fromEntries(Object.entries(REVOCATION_REASONS).map(([name, code]) => [code, name]));

export interface CrlDescription {
  issuer: string;
  /** the cRLNumber, decimal, or null when the CRL has none */
  number: string | null;
  thisUpdate: string;
  nextUpdate: string | null;
  revoked: { serial: string; revokedAt: string; reason: string }[];
}

/** Throws DerError for what is not a CertificateList. */
export function describeCrl(der: Buffer): CrlDescription {
  const [tbs] = children(parse(der), Type.SEQUENCE, 'CertificateList', 3);
  const fields = children(tbs, Type.SEQUENCE, 'TBSCertList', 3);
  const at = fields[0]?.type === Type.INTEGER && fields[0].tagClass === 0 ? 1 : 0; // version, when present
  children(fields[at], Type.SEQUENCE, 'signature', 1);
  const thisUpdate = readTime(fields[at + 2], 'thisUpdate');
  let rest = fields.slice(at + 3);
  let nextUpdate: Date | null = null;
  if (rest[0] && (rest[0].type === Type.UTCTIME || rest[0].type === Type.GENERALIZEDTIME) && rest[0].tagClass === 0) {
    nextUpdate = readTime(rest[0], 'nextUpdate');
    rest = rest.slice(1);
  }
  const list = rest.find((n) => n.tagClass === 0 && n.type === Type.SEQUENCE);
  const extensions = rest.find((n) => isContext(n, 0));
  const number = extensions ? readExtensionList((extensions.value as Node[])[0]).find((e) => e.id === CRL_NUMBER) : undefined;
  return {
    issuer: nameText(readName(fields[at + 1]!)),
    number: number ? BigInt(`0x${primitive(parse(number.value), Type.INTEGER, 'cRLNumber').toString('hex') || '0'}`).toString() : null,
    thisUpdate: thisUpdate.toISOString(),
    nextUpdate: nextUpdate?.toISOString() ?? null,
    revoked: list ? children(list, Type.SEQUENCE, 'revokedCertificates').map(revokedEntry) : [],
  };
}

function revokedEntry(node: Node): CrlDescription['revoked'][number] {
  const [serialNode, dateNode, extensions] = children(node, Type.SEQUENCE, 'revoked certificate', 2);
  const serial = primitive(serialNode, Type.INTEGER, 'userCertificate').toString('hex').replace(/^(00)+(?=..)/, '');
  const reasonExt = extensions ? readExtensionList(extensions).find((e) => e.id === REASON_CODE) : undefined;
  const code = reasonExt ? primitive(parse(reasonExt.value), Type.ENUMERATED, 'reasonCode')[0] ?? 0 : 0;
  return { serial, revokedAt: readTime(dateNode, 'revocationDate').toISOString(), reason: REASON_NAMES[code] ?? `reason ${code}` };
}
