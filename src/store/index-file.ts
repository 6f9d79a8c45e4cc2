/**
 * index.json: every certificate the CA has issued (the CA's own included, so its serial is never
 * reused) and every request waiting to be signed. It is the CA's memory: it is rewritten whole and
 * atomically under the lock, and a damaged one is reported, never repaired by guessing.
 */
import { failure } from '../error.js';

export const INDEX_VERSION = 1;

/** valid: in force; revoked: by `ca revoke`; superseded: replaced by `ca renew`. */
export type CertificateStatus = 'valid' | 'revoked' | 'superseded';

export interface IndexEntry {
  name: string;
  /** lower-case hex, as in the certificate */
  serial: string;
  profile: string;
  /** e.g. "CN=server1, OU=<cluster id>" */
  subject: string;
  /** "DNS:name" and "IP:address" */
  sans: string[];
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the DER, colon-separated upper-case hex, as openssl x509 -fingerprint -sha256 prints */
  fingerprint: string;
  status: CertificateStatus;
  revokedAt: string | null;
  /** an RFC 5280 5.3.1 reason name, when revoked */
  revocationReason?: string | null;
  /** how it was made: "new-cert", "csr" (an external request), "one-step" */
  source: string;
}

export interface PendingRequest {
  name: string;
  profile: string;
  subject: string;
  sans: string[];
  createdAt: string;
}

export interface Index {
  version: number;
  certificates: IndexEntry[];
  requests: PendingRequest[];
  /** the number of the last CRL written (RFC 5280 5.2.3: it only ever grows) */
  crlNumber?: number;
}

export function emptyIndex(): Index {
  return { version: INDEX_VERSION, certificates: [], requests: [], crlNumber: 0 };
}

export function parseIndex(text: string, path: string): Index {
  const damaged = (why: string) =>
    failure(`the index ${path} is damaged: ${why}`, 'restore it from a backup; nothing was changed');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw damaged((err as Error).message);
  }
  const d = data as Partial<Index>;
  if (typeof d !== 'object' || d === null || !Array.isArray(d.certificates) || !Array.isArray(d.requests)) {
    throw damaged('expected an object with "certificates" and "requests" lists');
  }
  if (d.version !== INDEX_VERSION) throw damaged(`unsupported format version ${String(d.version)}`);
  for (const e of d.certificates) {
    if (typeof e?.name !== 'string' || typeof e?.serial !== 'string') throw damaged('an entry lacks its name or serial');
  }
  return d as Index;
}

export function serializeIndex(index: Index): string {
  return `${JSON.stringify(index, null, 2)}\n`;
}

/** The certificate currently under a name: the latest one issued (it may be revoked). */
export function currentEntry(index: Index, name: string): IndexEntry | undefined {
  for (let i = index.certificates.length - 1; i >= 0; i--) {
    if (index.certificates[i]!.name === name) return index.certificates[i];
  }
  return undefined;
}

/** NAME's current entry, or the error that says why there is none. */
export function requireEntry(index: Index, name: string): IndexEntry {
  const entry = currentEntry(index, name);
  if (entry) return entry;
  if (index.requests.some((r) => r.name === name)) throw failure(`${name} is not signed yet`, `run \`ca sign ${name}\` first`);
  throw failure(`there is no certificate named ${name}`, 'run `ca list` to see the names in the store');
}

/** The latest entry of each name, in the order the names first appeared. */
export function currentEntries(index: Index): IndexEntry[] {
  const latest = new Map<string, IndexEntry>();
  for (const e of index.certificates) latest.set(e.name, e);
  return [...latest.values()];
}
