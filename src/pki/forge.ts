/**
 * node-forge is CommonJS: its namespaces exist only on the default export (a named import compiles
 * but is undefined at run time). Every pki module takes forge from here, with the two functions the
 * published types lack and that native signing needs.
 */
import forge from 'node-forge';

declare module 'node-forge' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace pki {
    function getTBSCertificate(cert: Certificate): asn1.Asn1;
    function getCertificationRequestInfo(csr: CertificateSigningRequest): asn1.Asn1;
  }
}

export const { pki, asn1, util } = forge;
export type Certificate = forge.pki.Certificate;
export type CertificateRequest = forge.pki.CertificateSigningRequest;
export type CertificateField = forge.pki.CertificateField;
export type RsaPublicKey = forge.pki.rsa.PublicKey;
export type Asn1 = forge.asn1.Asn1;

/** forge armours PEM with CRLF line ends (RFC 7468 allows either); files and stdout get LF, as OpenSSL writes. */
export function unixLines(pem: string): string {
  return pem.replace(/\r\n/g, '\n');
}
