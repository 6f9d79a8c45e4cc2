/**
 * Building certificates (RFC 5280 4.1): the TBSCertificate is assembled in DER here, whatever the
 * key type, with the subject's SubjectPublicKeyInfo exactly as OpenSSL exports it, and signed
 * natively (signer.ts). The issuer Name is the CA certificate's subject copied byte for byte, so
 * every verifier's name chaining (RFC 5280 6.1.3 (a)(4)) matches.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { failure } from '../error.js';
import { context, encode, pem, raw, seq, smallInteger, time, unsignedInteger } from './der.js';
import type { NameConstraints } from './constraints.js';
import { buildExtensions } from './extensions.js';
import { kindOfKey } from './key-type.js';
import { keyIdentifier, publicKeyOf } from './key.js';
import { spkiDer } from './spki.js';
import { keyUsageFor, type Profile } from './profile.js';
import type { AltNames } from './san.js';
import { algorithmIdentifier, signatureAlgorithmOf, signed } from './signer.js';
import { encodeName, type Subject } from './subject.js';
import type { Validity } from './validity.js';
import type { ParsedCertificate } from './x509.js';

export interface Issuer {
  /** the issuer's certificate, parsed once when the CA was opened (`ca serve` signs with it for days) */
  certificate: ParsedCertificate;
  key: KeyObject;
}

export interface CertificateParams {
  subject: Subject;
  /** the subject Name exactly as an earlier certificate encoded it (`ca renew ca`), instead of `subject` */
  subjectName?: Buffer | undefined;
  /** the subject's key (private or public) */
  publicKey: KeyObject;
  /** lower-case hex */
  serial: string;
  validity: Validity;
  profile: Profile;
  altNames: AltNames;
  /** absent: self-signed, with `selfKey` signing */
  issuer?: Issuer | undefined;
  /** the signing key of a self-signed certificate */
  selfKey?: KeyObject | undefined;
  pathLength?: number | undefined;
  /** a CA certificate's permitted names */
  nameConstraints?: NameConstraints | undefined;
  /** the issuer's CRL, as a distribution point */
  crlUrl?: string | undefined;
}

export function buildCertificate(p: CertificateParams): string {
  const publicKey = publicKeyOf(p.publicKey);
  const kind = kindOfKey(publicKey);
  if (!kind) throw failure(`a ${publicKey.asymmetricKeyType} key cannot be certified here`, 'use RSA, ECDSA P-256/P-384 or Ed25519');
  const subjectName = p.subjectName ? raw(p.subjectName) : encodeName(p.subject);

  let signingKey: KeyObject;
  let issuerName = subjectName;
  let authorityKeyId: Buffer | undefined;
  if (p.issuer) {
    const ca = p.issuer.certificate;
    issuerName = raw(ca.subjectDer);
    authorityKeyId = ca.subjectKeyId ?? keyIdentifier(createPublicKey(p.issuer.key));
    signingKey = p.issuer.key;
  } else {
    if (!p.selfKey) throw new Error('a self-signed certificate needs its own key');
    signingKey = p.selfKey;
  }
  const algorithm = signatureAlgorithmOf(signingKey);
  const extensions = buildExtensions({
    profile: p.profile,
    keyUsage: keyUsageFor(p.profile, kind),
    altNames: p.altNames,
    subjectKeyId: keyIdentifier(publicKey),
    authorityKeyId,
    pathLength: p.pathLength,
    nameConstraints: p.nameConstraints,
    crlUrl: p.crlUrl,
  });
  const tbs = seq([
    context(0, [smallInteger(2)]), // version v3 (RFC 5280 4.1.2.1: the value is zero-based)
    unsignedInteger(Buffer.from(p.serial, 'hex')),
    algorithmIdentifier(algorithm),
    issuerName,
    seq([time(p.validity.notBefore), time(p.validity.notAfter)]),
    subjectName,
    raw(spkiDer(publicKey)),
    context(3, [seq(extensions)]),
  ]);
  return pem('CERTIFICATE', encode(signed(encode(tbs), algorithm, signingKey)));
}
