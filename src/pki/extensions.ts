/**
 * X.509 v3 extensions from a profile (SPEC "Certificate profiles", RFC 5280 4.2), encoded here in
 * DER. The AKI is the issuer's SKI (node-forge's `keyIdentifier: true` would hash the certificate's
 * own key), and iPAddress SANs carry exactly 4 or 16 bytes (see ip.ts).
 */
import { encodeNameConstraints } from './constraint-extension.js';
import { hasConstraints, type NameConstraints } from './constraints.js';
import { bool, context, contextPrimitive, encode, namedBits, octets, oid, seq, smallInteger, type Node } from './der.js';
import type { Profile } from './profile.js';
import { EKU_OIDS, KEY_USAGES, type KeyUsage } from './usage.js';
import { GENERAL_NAME, type AltNames } from './san.js';

export interface ExtensionParams {
  profile: Profile;
  /** the keyUsage bits for this certificate's key (profile.ts keyUsageFor) */
  keyUsage: KeyUsage[];
  altNames: AltNames;
  subjectKeyId: Buffer;
  /** the issuer's subject key identifier; absent for a self-signed CA */
  authorityKeyId?: Buffer | undefined;
  /** basicConstraints pathLenConstraint, CA only */
  pathLength?: number | undefined;
  /** a CA's permitted names (critical nameConstraints) */
  nameConstraints?: NameConstraints | undefined;
  /** where the issuer publishes its CRL (cRLDistributionPoints) */
  crlUrl?: string | undefined;
}

export const EXTENSION_OIDS = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  cRLDistributionPoints: '2.5.29.31',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
export function extension(id: string, critical: boolean, value: Node): Node {
  return seq([oid(id), ...(critical ? [bool(true)] : []), octets(encode(value))]);
}

export function generalNames(names: AltNames): Node {
  return seq([
    ...names.dns.map((d) => contextPrimitive(GENERAL_NAME.dNSName, Buffer.from(d, 'ascii'))),
    ...names.ips.map((ip) => contextPrimitive(GENERAL_NAME.iPAddress, ip.bytes)),
    ...names.uris.map((u) => contextPrimitive(GENERAL_NAME.uniformResourceIdentifier, Buffer.from(u, 'ascii'))),
    ...names.emails.map((e) => contextPrimitive(GENERAL_NAME.rfc822Name, Buffer.from(e, 'ascii'))),
  ]);
}

export function buildExtensions(p: ExtensionParams): Node[] {
  const { profile } = p;
  const exts: Node[] = [];
  // RFC 5280 4.2.1.9: basicConstraints MUST be critical in CA certificates; we mark it critical in
  // every certificate, as SPEC's table asks, so no verifier can take a leaf for a CA.
  const basic: Node[] = profile.isCa ? [bool(true)] : [];
  if (profile.isCa && p.pathLength !== undefined) basic.push(smallInteger(p.pathLength));
  exts.push(extension(EXTENSION_OIDS.basicConstraints, true, seq(basic)));

  // RFC 5280 4.2.1.3: keyUsage SHOULD be critical when present.
  exts.push(extension(EXTENSION_OIDS.keyUsage, true, namedBits(p.keyUsage.map((u) => KEY_USAGES.indexOf(u)))));

  if (profile.extKeyUsage.length > 0) {
    // RFC 3161 2.3: a time-stamping purpose is critical; other purposes are not (4.2.1.12).
    const critical = profile.extKeyUsage.includes('timeStamping');
    exts.push(extension(EXTENSION_OIDS.extKeyUsage, critical, seq(profile.extKeyUsage.map((u) => oid(EKU_OIDS[u])))));
  }

  const names = generalNames(p.altNames);
  // RFC 5280 4.2.1.6: critical only when the subject is empty; ours always has a CN.
  if ((names.value as Node[]).length > 0) exts.push(extension(EXTENSION_OIDS.subjectAltName, false, names));

  exts.push(extension(EXTENSION_OIDS.subjectKeyIdentifier, false, octets(p.subjectKeyId)));
  if (p.authorityKeyId) {
    exts.push(extension(EXTENSION_OIDS.authorityKeyIdentifier, false, seq([contextPrimitive(0, p.authorityKeyId)])));
  }
  // RFC 5280 4.2.1.10: conforming CAs MUST mark nameConstraints critical.
  if (profile.isCa && hasConstraints(p.nameConstraints)) {
    exts.push(extension(EXTENSION_OIDS.nameConstraints, true, encodeNameConstraints(p.nameConstraints)));
  }
  if (p.crlUrl) {
    // DistributionPoint { distributionPoint [0] { fullName [0] { uniformResourceIdentifier } } } (RFC 5280 4.2.1.13)
    const uri = contextPrimitive(GENERAL_NAME.uniformResourceIdentifier, Buffer.from(p.crlUrl, 'ascii'));
    exts.push(extension(EXTENSION_OIDS.cRLDistributionPoints, false, seq([seq([context(0, [context(0, [uri])])])])));
  }
  return exts;
}

