/** `ca verify FILE`: a certificate from anywhere, checked against this store's CA and index. */
import { failure } from '../error.js';
import { MAX_INPUT_BYTES } from '../pki/csr.js';
import { readCertificate } from '../pki/x509.js';
import { readLimited } from '../store/file.js';
import { describeCertificate, type CertificateDescription } from '../pki/describe.js';
import { verifyCertificate, type Usage, type Verdict } from '../pki/verify.js';
import { openStore } from '../store/store.js';
import { constraintsOf, readChain } from './chain.js';

export interface VerifyRequest {
  storeDir: string;
  /** a certificate file, PEM or DER, read up to 64 KiB */
  path: string;
  host?: string | undefined;
  usage?: Usage | undefined;
  now: Date;
}

export async function verifyFile(req: VerifyRequest): Promise<Verdict & { description: CertificateDescription }> {
  const input = await readLimited(req.path, MAX_INPUT_BYTES, '');
  const store = await openStore(req.storeDir);
  const chain = await readChain(store);
  const ca = readCertificate(chain.ca, store.describe('ca certificate'));
  const text = input.toString('latin1');
  const pemOrDer = text.includes('-----BEGIN CERTIFICATE-----') ? text : input;
  const certificate = readCertificate(pemOrDer, req.path);
  const index = await store.readIndex();
  // Revocation by serial counts only for certificates this CA issued (serials are per issuer).
  const revoked = new Set(index.certificates.filter((e) => e.status === 'revoked').map((e) => e.serial));
  const description = describeCertificate(certificate.toString(), req.now, req.path);
  const verdict = verifyCertificate({
    certificate,
    ca,
    chain: chain.above.map((pem) => readCertificate(pem, store.describe('chain'))),
    constraints: constraintsOf(chain, store.describe('chain')),
    sans: description.sans,
    now: req.now,
    revoked,
    host: req.host,
    usage: req.usage,
  });
  return { ...verdict, description };
}

export function parseUsage(input: string | undefined): Usage | undefined {
  if (input === undefined || input === 'server' || input === 'client') return input;
  throw failure(`unknown usage ${JSON.stringify(input)}`, 'use --usage server or --usage client');
}
