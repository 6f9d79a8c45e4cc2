/** `ca verify FILE`: a certificate from anywhere, checked against this store's CA and index. */
import { failure } from '../error.js';
import { readCertificate } from '../pki/certificate.js';
import { describeCertificate, type CertificateDescription } from '../pki/describe.js';
import { verifyCertificate, type Usage, type Verdict } from '../pki/verify.js';
import { Store } from '../store/store.js';

export interface VerifyRequest {
  storeDir: string;
  /** PEM or DER */
  input: Buffer;
  source: string;
  host?: string | undefined;
  usage?: Usage | undefined;
  now: Date;
}

export async function verifyFile(req: VerifyRequest): Promise<Verdict & { description: CertificateDescription }> {
  const store = await Store.open(req.storeDir);
  const ca = readCertificate(await store.read(store.caCert), store.caCert.path);
  const text = req.input.toString('latin1');
  const pemOrDer = text.includes('-----BEGIN CERTIFICATE-----') ? text : req.input;
  const certificate = readCertificate(pemOrDer, req.source);
  const index = await store.readIndex();
  // Revocation by serial counts only for certificates this CA issued (serials are per issuer).
  const revoked = new Set(index.certificates.filter((e) => e.status === 'revoked').map((e) => e.serial));
  const verdict = verifyCertificate({ certificate, ca, now: req.now, revoked, host: req.host, usage: req.usage });
  return { ...verdict, description: describeCertificate(certificate.toString(), req.now) };
}

export function parseUsage(input: string | undefined): Usage | undefined {
  if (input === undefined || input === 'server' || input === 'client') return input;
  throw failure(`unknown usage ${JSON.stringify(input)}`, 'use --usage server or --usage client');
}
