/**
 * Distinguished names. Every certificate carries the cluster id in OU (flocker-ca's habit), so a
 * certificate shows which cluster it belongs to; O and C only when given.
 */
import { usageError } from '../error.js';
import { asn1, type CertificateField } from './forge.js';

export interface Subject {
  commonName: string;
  organization?: string | undefined;
  organizationalUnit?: string | undefined;
  country?: string | undefined;
}

/** RFC 5280 appendix A upper bounds: ub-common-name 64, ub-organization-name 64. */
const UPPER_BOUND = 64;

export function checkAttribute(label: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  if (value.length === 0 || value.length > UPPER_BOUND || /[\x00-\x1f\x7f]/.test(value)) {
    throw usageError(`invalid ${label} ${JSON.stringify(value)}`, `use 1-${UPPER_BOUND} printable characters`);
  }
  return value;
}

export function subjectAttributes(subject: Subject): CertificateField[] {
  const attrs: CertificateField[] = [];
  // countryName is PrintableString (RFC 5280 appendix A); the rest UTF8String (RFC 5280 4.1.2.6),
  // which forge writes only when asked: its default, PrintableString, cannot hold "_" or "@".
  if (subject.country) attrs.push({ shortName: 'C', value: subject.country });
  if (subject.organization) attrs.push(utf8('O', subject.organization));
  if (subject.organizationalUnit) attrs.push(utf8('OU', subject.organizationalUnit));
  attrs.push(utf8('CN', subject.commonName));
  return attrs;
}

function utf8(shortName: string, value: string): CertificateField {
  // forge reads valueTagClass as a universal tag number; its types call it a Class.
  return { shortName, value, valueTagClass: asn1.Type.UTF8 as unknown as CertificateField["valueTagClass"] };
}

export function subjectFromAttributes(attrs: CertificateField[]): Subject {
  const get = (short: string) => {
    const a = attrs.find((x) => x.shortName === short);
    return a ? Buffer.from(String(a.value), 'binary').toString('utf8') : undefined;
  };
  return {
    commonName: get('CN') ?? '',
    organization: get('O'),
    organizationalUnit: get('OU'),
    country: get('C'),
  };
}

/** One-line form in OpenSSL's RFC 2253 order of appearance, e.g. "CN=server1, OU=…, O=Acme". */
export function subjectText(subject: Subject): string {
  const parts: string[] = [`CN=${subject.commonName}`];
  if (subject.organizationalUnit) parts.push(`OU=${subject.organizationalUnit}`);
  if (subject.organization) parts.push(`O=${subject.organization}`);
  if (subject.country) parts.push(`C=${subject.country}`);
  return parts.join(', ');
}
