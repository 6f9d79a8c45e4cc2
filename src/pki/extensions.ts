/**
 * X.509 v3 extensions from a profile (SPEC "Certificate profiles", RFC 5280 4.2). Values that
 * node-forge would compute wrongly are built here: the AKI (forge's `keyIdentifier: true` hashes the
 * certificate's own key, not the issuer's) and iPAddress SANs (see ip.ts).
 */
import { asn1 } from './forge.js';
import type { Profile } from './profile.js';
import type { AltNames } from './san.js';

export interface ExtensionParams {
  profile: Profile;
  altNames: AltNames;
  subjectKeyId: Buffer;
  /** the issuer's subject key identifier; absent for a self-signed CA */
  authorityKeyId?: Buffer | undefined;
  /** basicConstraints pathLenConstraint, CA only */
  pathLength?: number | undefined;
}

type Extension = Record<string, unknown>;

const GENERAL_NAME = { dNSName: 2, iPAddress: 7 } as const;

export function buildExtensions(p: ExtensionParams): Extension[] {
  const { profile } = p;
  // RFC 5280 4.2.1.9: basicConstraints MUST be critical in CA certificates; we mark it critical in
  // every certificate, as SPEC's table asks, so no verifier can take a leaf for a CA.
  const basic: Extension = { name: 'basicConstraints', critical: true, cA: profile.isCa };
  if (profile.isCa && p.pathLength !== undefined) basic.pathLenConstraint = p.pathLength;
  const exts: Extension[] = [basic];

  // RFC 5280 4.2.1.3: keyUsage SHOULD be critical when present.
  const ku: Extension = { name: 'keyUsage', critical: true };
  for (const usage of profile.keyUsage) ku[usage] = true;
  exts.push(ku);

  if (profile.extKeyUsage.length > 0) {
    const eku: Extension = { name: 'extKeyUsage' };
    for (const usage of profile.extKeyUsage) eku[usage] = true;
    exts.push(eku);
  }

  const altNames = [
    ...p.altNames.dns.map((value) => ({ type: GENERAL_NAME.dNSName, value })),
    ...p.altNames.ips.map((ip) => ({ type: GENERAL_NAME.iPAddress, value: ip.bytes.toString('binary') })),
  ];
  // RFC 5280 4.2.1.6: critical only when the subject is empty; ours always has a CN.
  if (altNames.length > 0) exts.push({ name: 'subjectAltName', altNames });

  exts.push({
    name: 'subjectKeyIdentifier',
    value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, p.subjectKeyId.toString('binary')),
  });
  if (p.authorityKeyId) {
    exts.push({ name: 'authorityKeyIdentifier', keyIdentifier: p.authorityKeyId.toString('binary') });
  }
  return exts;
}
