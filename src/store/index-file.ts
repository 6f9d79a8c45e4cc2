/**
 * index.json: every certificate the CA has issued (the CA's own included, so its serial is never
 * reused) and every request waiting to be signed. It is the CA's memory and the commit point of
 * every change (transaction.ts). It is validated whole when read (SPEC "Trust of the store"): a
 * damaged index is reported with what to restore, never half-used or repaired by guessing.
 */
import { createHash } from 'node:crypto';
import { failure } from '../error.js';
import { validateAcmeRecords, type AcmeRecords } from './acme-records.js';
import { Check, NO_CONTROL } from './check.js';
import { commonNameOfEntry, lookupsOf } from './state.js';

export const INDEX_VERSION = 2;

/**
 * valid: in force; revoked: by `ca revoke`; superseded: the name has a newer certificate (it still
 * verifies until it is revoked or expires).
 */
export type CertificateStatus = 'valid' | 'revoked' | 'superseded';
export const STATUSES: readonly CertificateStatus[] = ['valid', 'revoked', 'superseded'];
export const SOURCES = ['init', 'new-cert', 'csr', 'one-step', 'renew', 'parent', 'enroll'] as const;
export type Source = (typeof SOURCES)[number];

export interface IndexEntry {
  name: string;
  /** lower-case hex, as in the certificate */
  serial: string;
  profile: string;
  /** e.g. "CN=server1, OU=<cluster id>" */
  subject: string;
  /** "DNS:name", "IP:address", "URI:…", "email:…" */
  sans: string[];
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the DER, colon-separated upper-case hex, as openssl x509 -fingerprint -sha256 prints */
  fingerprint: string;
  /** SHA-256 of the SubjectPublicKeyInfo, hex; null only for entries of stores older than format 2 */
  publicKey: string | null;
  /** "RSA 2048", "ECDSA P-256", "Ed25519" */
  keyType?: string | undefined;
  status: CertificateStatus;
  revokedAt: string | null;
  /** an RFC 5280 5.3.1 reason name, when revoked */
  revocationReason?: string | null | undefined;
  /** how it was made: "init", "new-cert", "csr" (an outside request: no key here), "one-step", "renew" */
  source: Source;
  /** the key is kept in the store as keys/NAME.key (false for outside requests) */
  hasKey: boolean;
}

export interface PendingRequest {
  name: string;
  /** names its key file, keys/pending/<id>.key, so a key and its request are never mixed up */
  id: string;
  profile: string;
  subject: string;
  sans: string[];
  createdAt: string;
  /** the request, PEM */
  csr: string;
}

/**
 * A token (`ca token create`): what it allows. An enrollment token keeps only the hash of its
 * secret; an ACME token (`--acme`) is an External Account Binding key, kept whole (see `hmac`).
 */
export interface TokenRecord {
  id: string;
  /** "acme": an External Account Binding key id (RFC 8555 7.3.4); absent: an enrollment token */
  kind?: 'acme' | undefined;
  /** SHA-256 of the secret, hex: the secret itself is never stored (an ACME token: of its HMAC key) */
  hash: string;
  /**
   * An ACME token's HMAC key, base64url. The server must recompute the binding's MAC, so the key
   * itself is kept (as step-ca keeps its EAB keys): the store's files are private (docs/security.md).
   */
  hmac?: string | undefined;
  profile: string;
  /** the certificate's name, when the token fixes it */
  name: string | null;
  /** the certificate's O, when the token gives one (the subject comes from the token alone) */
  organization?: string | null;
  /** the SANs it allows ("DNS:…", "IP:…", "URI:…", "email:…"); a request without SANs gets these */
  sans: string[];
  createdAt: string;
  expiresAt: string;
  /** how many certificates it may get */
  uses: number;
  used: number;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** What a commit leaves for the files outside the index (transaction.ts): redone after a crash. */
export interface ApplyAction {
  name: string;
  serial: string;
  /** keys/pending/<id>.key to become keys/NAME.key; null: the name has no key; "keep": as it is */
  key: string | null;
}

export interface Index {
  version: number;
  /** the number of the last journal record this snapshot holds (journal.ts) */
  seq: number;
  certificates: IndexEntry[];
  requests: PendingRequest[];
  tokens: TokenRecord[];
  /** the number of the last CRL written (RFC 5280 5.2.3: it only ever grows) */
  crlNumber: number;
  /** when the last CRL was made (its thisUpdate): a revoked certificate that expired before it was on it */
  crlAt?: string;
  /** how many certificates have been moved out of `certificates` into the archive (archive.ts) */
  archived?: number;
  /** the file updates of the last commit */
  applying: ApplyAction[];
  /** `ca serve --acme`'s accounts, orders and authorizations (acme-records.ts); absent until the first */
  acme?: AcmeRecords;
}

export function emptyIndex(): Index {
  return { version: INDEX_VERSION, seq: 0, certificates: [], requests: [], tokens: [], crlNumber: 0, applying: [] };
}

/**
 * The snapshot's text, sealed: its last field is the SHA-256 of the text without it. Checking
 * every certificate entry (parseIndex) costs a new process more than parsing them (~80 against
 * ~45 ms for 5,600 entries), and every command on a store with thousands in force pays it; a
 * snapshot whose seal matches was checked when it was written, so its entries are taken as they
 * are. An index edited by hand, or damaged, no longer matches, and is checked whole.
 */
export function serializeIndex(index: Index): Buffer {
  const body = `${JSON.stringify(index, null, 2)}\n`; // ends in "\n}\n"
  // Encoded once, into the buffer that is written: a snapshot of 100,000 entries is ~60 MB, and
  // each copy of it is memory that `ca serve` holds at its peak.
  const length = Buffer.byteLength(body);
  const bytes = Buffer.allocUnsafe(length - 3 + SEAL_LENGTH);
  bytes.write(body, 0);
  const seal = createHash('sha256').update(bytes.subarray(0, length)).digest('hex');
  bytes.write(`,\n  "seal": "${seal}"\n}\n`, length - 3);
  return bytes;
}

/** `,\n  "seal": "<64 hex digits>"\n}\n` */
const SEAL_LENGTH = 81;

const SEAL = /,\n {2}"seal": "([0-9a-f]{64})"\n\}\n$/;

/** Whether `text` is a snapshot as serializeIndex wrote it, unchanged since. */
function sealed(text: string): boolean {
  const m = SEAL.exec(text.slice(-90));
  return m !== null && sha256(text.slice(0, text.length - m[0].length), '\n}\n') === m[1];
}

function sha256(...parts: string[]): string {
  const hash = createHash('sha256');
  // Each part encoded first, and not joined: hashing a string, or a joined one, converts it
  // several times slower than this (Node 20, a snapshot of megabytes).
  for (const part of parts) hash.update(Buffer.from(part, 'utf8'));
  return hash.digest('hex');
}

// --- validation --------------------------------------------------------------------------------

const NAME = /^(ca|[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/;
const SERIAL = /^[0-9a-f]{2,40}$/;
const HEX_ID = /^[0-9a-f]{16,64}$/;
const FINGERPRINT = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;
const PUBLIC_KEY = /^[0-9a-f]{64}$/;
const PROFILE = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const SAN = /^(DNS|IP|URI|email):[\x21-\x7e]+$/;
const KEY_FILE = /^keys\/pending\/[0-9a-f]{16,64}\.key$/;

/** The RFC 5280 5.3.1 reason names (crl.ts has their codes). */
const REASONS = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn', 'aACompromise'];

export function parseIndex(text: string, path: string): Index {
  const c = new Check(path);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    c.fail('its text', `is not JSON (${(err as Error).message})`);
  }
  const d = c.object(data, 'the top level');
  if (d.version !== INDEX_VERSION && d.version !== 1) c.fail('"version"', `is ${JSON.stringify(d.version)}, not ${INDEX_VERSION}`);
  const v1 = d.version === 1;
  const serials = new Set<string>();
  const trusted = !v1 && sealed(text);
  const certificates = c.list(d.certificates, '"certificates"').map((raw, i) => {
    const e = trusted ? entryOf(raw as Record<string, unknown>) : entry(c, raw, `certificate #${i + 1}`, v1);
    if (serials.has(e.serial)) c.fail(`certificate #${i + 1}`, `repeats serial ${e.serial}`);
    serials.add(e.serial);
    return e;
  });
  const requests = c.list(d.requests, '"requests"').map((raw, i) => request(c, raw, `request #${i + 1}`, v1));
  const applying = d.applying === undefined ? [] : c.list(d.applying, '"applying"').map((raw, i) => action(c, raw, `"applying" #${i + 1}`));
  const crlNumber = d.crlNumber === undefined ? 0 : c.count(d.crlNumber, '"crlNumber"');
  const tokens = d.tokens === undefined ? [] : c.list(d.tokens, '"tokens"').map((raw, i) => token(c, raw, `token #${i + 1}`));
  const seq = d.seq === undefined ? 0 : c.count(d.seq, '"seq"');
  const index: Index = { version: Number(d.version), seq, certificates, requests, tokens, crlNumber, applying };
  if (d.crlAt !== undefined) index.crlAt = c.date(d.crlAt, '"crlAt"');
  if (d.archived !== undefined) index.archived = c.count(d.archived, '"archived"');
  if (d.acme !== undefined) index.acme = validateAcmeRecords(d.acme, path);
  return index;
}

/** One journal record's parts, validated as the snapshot's are (journal.ts). */
export function validateEntry(raw: unknown, where: string, path: string): IndexEntry {
  return entry(new Check(path), raw, where, false);
}
export function validateRequest(raw: unknown, where: string, path: string): PendingRequest {
  return request(new Check(path), raw, where, false);
}
export function validateToken(raw: unknown, where: string, path: string): TokenRecord {
  return token(new Check(path), raw, where);
}
export function validateActions(raw: unknown, where: string, path: string): ApplyAction[] {
  const c = new Check(path);
  return c.list(raw, where).map((a, i) => action(c, a, `${where} #${i + 1}`));
}
export function validateDate(raw: unknown, where: string, path: string): string {
  return new Check(path).date(raw, where);
}
export function validateSerial(raw: unknown, where: string, path: string): string {
  return new Check(path).text(raw, where, SERIAL);
}
export function validateCount(raw: unknown, where: string, path: string): number {
  return new Check(path).count(raw, where);
}
export function validateReason(raw: unknown, where: string, path: string): string {
  return new Check(path).oneOf(raw, REASONS, where);
}
export function validateTokenId(raw: unknown, where: string, path: string): string {
  return new Check(path).text(raw, where, TOKEN_ID);
}

const TOKEN_ID = /^[0-9a-f]{12}$/;
/** 32 bytes, base64url without padding */
const HMAC_KEY = /^[A-Za-z0-9_-]{43}$/;

function token(c: Check, raw: unknown, where: string): TokenRecord {
  const t = c.object(raw, where);
  const nullable = <T>(v: unknown, read: (v: unknown) => T): T | null => (v === null || v === undefined ? null : read(v));
  // Only an ACME token has (and must have) an HMAC key; an index without "kind" is all enrollment tokens.
  const acme = t.kind === undefined ? {} : { kind: c.oneOf(t.kind, ['acme'] as const, `${where} "kind"`), hmac: c.text(t.hmac, `${where} "hmac"`, HMAC_KEY) };
  if (t.kind === undefined && t.hmac !== undefined) c.fail(`${where} "hmac"`, 'is set on an enrollment token');
  return {
    id: c.text(t.id, `${where} "id"`, TOKEN_ID),
    ...acme,
    hash: c.text(t.hash, `${where} "hash"`, PUBLIC_KEY),
    profile: c.text(t.profile, `${where} "profile"`, PROFILE),
    name: nullable(t.name, (v) => c.text(v, `${where} "name"`, NAME)),
    organization: nullable(t.organization, (v) => c.text(v, `${where} "organization"`, NO_CONTROL, 256)),
    sans: c.list(t.sans, `${where} "sans"`).map((s, j) => c.text(s, `${where} SAN #${j + 1}`, SAN)),
    createdAt: c.date(t.createdAt, `${where} "createdAt"`),
    expiresAt: c.date(t.expiresAt, `${where} "expiresAt"`),
    uses: c.count(t.uses, `${where} "uses"`),
    used: c.count(t.used, `${where} "used"`),
    lastUsedAt: nullable(t.lastUsedAt, (v) => c.date(v, `${where} "lastUsedAt"`)),
    revokedAt: nullable(t.revokedAt, (v) => c.date(v, `${where} "revokedAt"`)),
  };
}

function entry(c: Check, raw: unknown, where: string, v1: boolean): IndexEntry {
  const e = c.object(raw, where);
  const status = c.oneOf(e.status, STATUSES, `${where} "status"`);
  const revokedAt = e.revokedAt === null || e.revokedAt === undefined ? null : c.date(e.revokedAt, `${where} "revokedAt"`);
  if (status === 'revoked' && revokedAt === null) c.fail(`${where} "revokedAt"`, 'is missing for a revoked certificate');
  if (!(e.revocationReason === null || e.revocationReason === undefined)) c.oneOf(e.revocationReason, REASONS, `${where} "revocationReason"`);
  c.oneOf(e.source, SOURCES, `${where} "source"`);
  if (!(typeof e.hasKey === 'boolean' || (v1 && e.hasKey === undefined))) c.fail(`${where} "hasKey"`, 'is not true or false');
  c.text(e.name, `${where} "name"`, NAME);
  c.text(e.serial, `${where} "serial"`, SERIAL);
  c.text(e.profile, `${where} "profile"`, PROFILE);
  c.text(e.subject, `${where} "subject"`);
  c.list(e.sans, `${where} "sans"`).forEach((s, j) => c.text(s, `${where} SAN #${j + 1}`, SAN));
  c.date(e.notBefore, `${where} "notBefore"`);
  c.date(e.notAfter, `${where} "notAfter"`);
  c.text(e.fingerprint, `${where} "fingerprint"`, FINGERPRINT);
  if (!(e.publicKey === null || (v1 && e.publicKey === undefined))) c.text(e.publicKey, `${where} "publicKey"`, PUBLIC_KEY);
  if (e.keyType !== undefined) c.text(e.keyType, `${where} "keyType"`, /^[A-Za-z0-9 -]{1,32}$/);
  return entryOf(e);
}

/** An entry of the index, from its fields as read (checked by entry(), or sealed: parseIndex). */
function entryOf(e: Record<string, unknown>): IndexEntry {
  const result = {
    name: e.name,
    serial: e.serial,
    profile: e.profile,
    subject: e.subject,
    sans: e.sans,
    notBefore: e.notBefore,
    notAfter: e.notAfter,
    fingerprint: e.fingerprint,
    publicKey: e.publicKey ?? null,
    status: e.status,
    revokedAt: e.revokedAt ?? null,
    revocationReason: e.revocationReason ?? null,
    source: e.source,
    // Format 1 had no "hasKey": every certificate but an outside request's had its key here.
    hasKey: typeof e.hasKey === 'boolean' ? e.hasKey : e.source !== 'csr',
  } as IndexEntry;
  if (e.keyType !== undefined) result.keyType = e.keyType as string;
  return result;
}

function request(c: Check, raw: unknown, where: string, v1: boolean): PendingRequest {
  const r = c.object(raw, where);
  return {
    name: c.text(r.name, `${where} "name"`, NAME),
    id: v1 && r.id === undefined ? '' : c.text(r.id, `${where} "id"`, HEX_ID),
    profile: c.text(r.profile, `${where} "profile"`, PROFILE),
    subject: c.text(r.subject, `${where} "subject"`),
    sans: c.list(r.sans, `${where} "sans"`).map((s, j) => c.text(s, `${where} SAN #${j + 1}`, SAN)),
    createdAt: c.date(r.createdAt, `${where} "createdAt"`),
    csr: v1 && r.csr === undefined ? '' : c.text(r.csr, `${where} "csr"`, /^-----BEGIN CERTIFICATE REQUEST-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE REQUEST-----\n$/, 65536),
  };
}

function action(c: Check, raw: unknown, where: string): ApplyAction {
  const a = c.object(raw, where);
  return {
    name: c.text(a.name, `${where} "name"`, NAME),
    serial: c.text(a.serial, `${where} "serial"`, SERIAL),
    key: a.key === null || a.key === 'keep' ? a.key : c.text(a.key, `${where} "key"`, KEY_FILE),
  };
}

// --- queries -----------------------------------------------------------------------------------

/** The certificate currently under a name: the latest one issued (it may be revoked). */
export function currentEntry(index: Index, name: string): IndexEntry | undefined {
  const lookups = lookupsOf(index);
  if (lookups) return lookups.byName.get(name)?.at(-1);
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

/** Serials as people type them: any case, with or without colons, leading zeros or not. */
export function normalizeSerial(input: string): string | undefined {
  const hex = input.replace(/[:\s]/g, '').toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{1,40}$/.test(hex)) return undefined;
  const trimmed = hex.replace(/^0+(?=.)/, '');
  return trimmed.length % 2 ? `0${trimmed}` : trimmed;
}

export function entryBySerial(index: Index, serial: string): IndexEntry | undefined {
  const wanted = normalizeSerial(serial);
  if (wanted === undefined) return undefined;
  const lookups = lookupsOf(index);
  if (lookups) return lookups.bySerial.get(wanted);
  return index.certificates.find((e) => e.serial === wanted);
}

/** Every certificate of a name, oldest first. */
export function entriesOf(index: Index, name: string): IndexEntry[] {
  const lookups = lookupsOf(index);
  return lookups ? (lookups.byName.get(name) ?? []) : index.certificates.filter((e) => e.name === name);
}

/** Every certificate whose subject's CN is `commonName`, under any name. */
export function entriesOfCommonName(index: Index, commonName: string): IndexEntry[] {
  const lookups = lookupsOf(index);
  return lookups ? (lookups.byCommonName.get(commonName) ?? []) : index.certificates.filter((e) => commonNameOfEntry(e) === commonName);
}

/** Every certificate of a public key (its SHA-256 hash), under any name. */
export function entriesOfKey(index: Index, publicKey: string): IndexEntry[] {
  const lookups = lookupsOf(index);
  return lookups ? (lookups.byKey.get(publicKey) ?? []) : index.certificates.filter((e) => e.publicKey === publicKey);
}

export function pendingRequest(index: Index, name: string): PendingRequest | undefined {
  return index.requests.find((r) => r.name === name);
}
