/**
 * `ca inspect FILE` (and `ca show FILE`): any certificate, chain, request, CRL, PKCS#12 file or
 * private key, from anywhere, described without a store. Bounded as every input is: certificates,
 * chains, requests and keys are a few KiB and are read up to 64 KiB (MAX_INPUT_BYTES); a CRL lists
 * every revoked serial and a PKCS#12 file may carry a long chain, so those two are read up to 1 MiB.
 */
import { stat } from 'node:fs/promises';
import { failure } from '../error.js';
import { describeCrl, type CrlDescription } from '../pki/crl-description.js';
import { MAX_INPUT_BYTES } from '../pki/csr.js';
import { describeCertificate, type CertificateDescription } from '../pki/describe.js';
import { sortContent, type FoundKey } from '../pki/file-content.js';
import { describeRequest, type RequestDescription } from '../pki/request-description.js';
import { readLimited } from '../store/file.js';
import { isPkcs12, readPkcs12 } from '../export/p12-reader.js';

export const MAX_LARGE_INPUT_BYTES = 1024 * 1024;

export interface InspectedFile {
  file: string;
  /** how it was written */
  format: 'PEM' | 'DER' | 'PKCS#12';
  /** in the file's order: a chain is the leaf first, as TLS sends it */
  certificates: (CertificateDescription & { friendlyName?: string | null })[];
  requests: RequestDescription[];
  crls: CrlDescription[];
  keys: (FoundKey & { friendlyName?: string | null })[];
}

export const UNDERSTOOD = 'a certificate or chain, a certificate signing request, a CRL (PEM or DER), a PKCS#12 file or a private key';

export interface InspectRequest {
  path: string;
  now: Date;
  /** asked only when the file turns out to be PKCS#12 */
  password: () => Promise<string | undefined>;
}

export async function inspectFile(req: InspectRequest): Promise<InspectedFile> {
  const bytes = await readLimited(req.path, MAX_LARGE_INPUT_BYTES, '');
  if (isPkcs12(bytes)) return inspectPkcs12(bytes, req);
  const found = sortContent(bytes);
  if (!found) throw failure(`${req.path} is none of what ca inspect reads: ${UNDERSTOOD}`);
  if (bytes.length > MAX_INPUT_BYTES && found.crls.length === 0) {
    throw failure(`${req.path} is larger than ${MAX_INPUT_BYTES / 1024} KiB`, 'a certificate, chain, request or key is a few KiB; check the file');
  }
  const source = (what: string, i: number, n: number) => `${what}${n > 1 ? ` ${i + 1}` : ''} in ${req.path}`;
  return {
    file: req.path,
    format: found.format,
    certificates: found.certificates.map((der, i, all) => describeCertificate(der, req.now, source('certificate', i, all.length))),
    requests: found.requests.map((der, i, all) => readable(() => describeRequest(der), source('request', i, all.length))),
    crls: found.crls.map((der, i, all) => readable(() => describeCrl(der), source('CRL', i, all.length))),
    keys: found.keys,
  };
}

async function inspectPkcs12(bytes: Buffer, req: InspectRequest): Promise<InspectedFile> {
  const password = await req.password();
  if (password === undefined) {
    throw failure(`${req.path} is a PKCS#12 file and no password was given`, 'pass --password-file FILE or set CA_P12_PASSWORD');
  }
  const contents = readable(() => readPkcs12(bytes, password, req.path), req.path);
  return {
    file: req.path,
    format: 'PKCS#12',
    certificates: contents.certificates.map((c, i) => ({ ...describeCertificate(c.der, req.now, `certificate ${i + 1} in ${req.path}`), friendlyName: c.friendlyName })),
    requests: [],
    crls: [],
    keys: contents.keys,
  };
}

/** A parse error from deep inside a structure, as one line naming the file. */
function readable<T>(fn: () => T, source: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Error && err.name === 'CaError') throw err;
    throw failure(`${source} is damaged or not what it claims to be (${(err as Error).message})`);
  }
}

/** `ca show X`: whether X names a file (a regular one) rather than only a name in the store. */
export async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
