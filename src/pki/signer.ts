/**
 * Native RSA signing of the structures node-forge builds. forge's own `sign()` is pure-JS RSA
 * (about 45 times slower) and signs with SHA-1 unless told otherwise; here forge only encodes the
 * ASN.1 and OpenSSL, through `crypto.sign`, makes a sha256WithRSAEncryption signature (PKCS#1 v1.5,
 * RFC 8017 8.2) over its DER.
 */
import { sign, type KeyObject } from 'node:crypto';
import { pki, asn1, type Asn1, type Certificate, type CertificateRequest } from './forge.js';

const SHA256_WITH_RSA = pki.oids.sha256WithRSAEncryption!;

function signDer(tbs: Asn1, key: KeyObject): string {
  const der = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  return sign('sha256', der, key).toString('binary');
}

/** Signs a certificate in place. The algorithm must be set before the TBS is built: it is inside it. */
export function signCertificate(cert: Certificate, key: KeyObject): void {
  const c = cert as Certificate & { signatureOid: string; tbsCertificate: unknown };
  c.signatureOid = SHA256_WITH_RSA;
  c.siginfo.algorithmOid = SHA256_WITH_RSA;
  const tbs = pki.getTBSCertificate(cert);
  c.signature = signDer(tbs, key);
  c.tbsCertificate = tbs;
}

/** Signs a certification request in place (RFC 2986 4.2: the signature covers certificationRequestInfo). */
export function signRequest(csr: CertificateRequest, key: KeyObject): void {
  const r = csr as CertificateRequest & {
    signatureOid: string;
    siginfo: { algorithmOid: string };
    certificationRequestInfo: unknown;
  };
  r.signatureOid = SHA256_WITH_RSA;
  r.siginfo.algorithmOid = SHA256_WITH_RSA;
  const info = pki.getCertificationRequestInfo(csr);
  r.signature = signDer(info, key);
  r.certificationRequestInfo = info;
}
