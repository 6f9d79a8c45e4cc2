/**
 * ACME's state as the store keeps it (RFC 8555 7.1.2–7.1.6): accounts, orders and authorizations
 * with their challenges, in the index under "acme", each changed by one journal op `acme` that
 * replaces a record by its id, so it survives a restart and reaches any backend through the same
 * ops. Validated as strictly as the rest of the index: a damaged record stops the store from opening.
 */
import { Check } from './check.js';

export interface AcmeIdentifier {
  type: 'dns' | 'ip';
  value: string;
}

export interface AcmeProblemRecord {
  type: string;
  detail: string;
}

export interface AcmeAccountRecord {
  id: string;
  /** RFC 7638 thumbprint of the account key: one account per key */
  thumbprint: string;
  /** the public key, as a JWK of its required members */
  jwk: Record<string, string>;
  contact: string[];
  status: 'valid' | 'deactivated';
  /** the ACME token (`ca token create --acme`) the account was bound with (RFC 8555 7.3.4): it gets only what that allows */
  eab?: string | undefined;
}

export interface AcmeChallengeRecord {
  type: 'http-01' | 'dns-01' | 'tls-alpn-01';
  token: string;
  status: 'pending' | 'processing' | 'valid' | 'invalid';
  validated?: string | undefined;
  error?: AcmeProblemRecord | undefined;
}

export interface AcmeAuthzRecord {
  id: string;
  accountId: string;
  identifier: AcmeIdentifier;
  /** RFC 8555 7.1.4: the order named `*.` + the identifier, proven by dns-01 alone */
  wildcard?: true | undefined;
  /** `expired` is how a pending or valid one past `expires` is answered (RFC 8555 7.1.6); it is not recorded */
  status: 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired';
  expires: string;
  challenges: AcmeChallengeRecord[];
}

export interface AcmeOrderRecord {
  id: string;
  accountId: string;
  status: 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
  expires: string;
  identifiers: AcmeIdentifier[];
  authorizations: string[];
  /** once valid: the serial of the certificate issued (its PEM is the store's, like every other) */
  serial?: string | undefined;
  error?: AcmeProblemRecord | undefined;
}

export type AcmeRecord = ({ kind: 'account' } & AcmeAccountRecord) | ({ kind: 'order' } & AcmeOrderRecord) | ({ kind: 'authz' } & AcmeAuthzRecord);

export interface AcmeRecords {
  accounts: AcmeAccountRecord[];
  orders: AcmeOrderRecord[];
  authorizations: AcmeAuthzRecord[];
}

const ID = /^[A-Za-z0-9_-]{16,64}$/;
const B64URL = /^[A-Za-z0-9_-]{1,2048}$/;
const IDENTIFIER = /^[A-Za-z0-9.:*-]{1,253}$/;
const PROBLEM_TYPE = /^[A-Za-z]{1,40}$/;

export function validateAcmeRecord(raw: unknown, where: string, path: string): AcmeRecord {
  const c = new Check(path);
  const r = c.object(raw, where);
  const kind = c.oneOf(r.kind, ['account', 'order', 'authz'] as const, `${where} "kind"`);
  if (kind === 'account') return { kind, ...account(c, r, where) };
  if (kind === 'order') return { kind, ...order(c, r, where) };
  return { kind, ...authz(c, r, where) };
}

export function validateAcmeRecords(raw: unknown, path: string): AcmeRecords {
  const c = new Check(path);
  const d = c.object(raw, '"acme"');
  return {
    accounts: c.list(d.accounts, '"acme" "accounts"').map((a, i) => account(c, c.object(a, `ACME account #${i + 1}`), `ACME account #${i + 1}`)),
    orders: c.list(d.orders, '"acme" "orders"').map((o, i) => order(c, c.object(o, `ACME order #${i + 1}`), `ACME order #${i + 1}`)),
    authorizations: c.list(d.authorizations, '"acme" "authorizations"').map((a, i) => authz(c, c.object(a, `ACME authorization #${i + 1}`), `ACME authorization #${i + 1}`)),
  };
}

export function validateAcmeRemoval(raw: unknown, where: string, path: string): AcmeRemoval {
  const c = new Check(path);
  const r = c.object(raw, `${where} "removal"`);
  const ids = (v: unknown, what: string) => c.list(v, `${where} "${what}"`).map((id, i) => c.text(id, `${where} ${what} #${i + 1}`, ID));
  return { orders: ids(r.orders, 'orders'), authorizations: ids(r.authorizations, 'authorizations') };
}

function account(c: Check, r: Record<string, unknown>, where: string): AcmeAccountRecord {
  const jwk = c.object(r.jwk, `${where} "jwk"`);
  return {
    id: c.text(r.id, `${where} "id"`, ID),
    thumbprint: c.text(r.thumbprint, `${where} "thumbprint"`, B64URL),
    jwk: Object.fromEntries(Object.entries(jwk).map(([k, v]) => [c.text(k, `${where} "jwk" member`, /^(kty|crv|n|e|x|y)$/), c.text(v, `${where} "jwk" "${k}"`, B64URL)])),
    contact: c.list(r.contact, `${where} "contact"`).map((m, i) => c.text(m, `${where} contact #${i + 1}`, /^mailto:[\x21-\x7e]+$/, 320)),
    status: c.oneOf(r.status, ['valid', 'deactivated'] as const, `${where} "status"`),
    ...(r.eab === undefined ? {} : { eab: c.text(r.eab, `${where} "eab"`, /^[0-9a-f]{12}$/) }),
  };
}

function identifier(c: Check, raw: unknown, where: string): AcmeIdentifier {
  const i = c.object(raw, where);
  return { type: c.oneOf(i.type, ['dns', 'ip'] as const, `${where} "type"`), value: c.text(i.value, `${where} "value"`, IDENTIFIER) };
}

function problem(c: Check, raw: unknown, where: string): AcmeProblemRecord | undefined {
  if (raw === undefined) return undefined;
  const p = c.object(raw, where);
  return { type: c.text(p.type, `${where} "type"`, PROBLEM_TYPE), detail: c.text(p.detail, `${where} "detail"`, undefined, 1024) };
}

function order(c: Check, r: Record<string, unknown>, where: string): AcmeOrderRecord {
  const out: AcmeOrderRecord = {
    id: c.text(r.id, `${where} "id"`, ID),
    accountId: c.text(r.accountId, `${where} "accountId"`, ID),
    status: c.oneOf(r.status, ['pending', 'ready', 'processing', 'valid', 'invalid'] as const, `${where} "status"`),
    expires: c.date(r.expires, `${where} "expires"`),
    identifiers: c.list(r.identifiers, `${where} "identifiers"`).map((i, n) => identifier(c, i, `${where} identifier #${n + 1}`)),
    authorizations: c.list(r.authorizations, `${where} "authorizations"`).map((a, n) => c.text(a, `${where} authorization #${n + 1}`, ID)),
  };
  if (r.serial !== undefined) out.serial = c.text(r.serial, `${where} "serial"`, /^[0-9a-f]{2,40}$/);
  const error = problem(c, r.error, `${where} "error"`);
  if (error) out.error = error;
  return out;
}

function authz(c: Check, r: Record<string, unknown>, where: string): AcmeAuthzRecord {
  if (r.wildcard !== undefined && r.wildcard !== true) c.fail(`${where} "wildcard"`, 'is not true');
  return {
    ...(r.wildcard === true ? { wildcard: true as const } : {}),
    id: c.text(r.id, `${where} "id"`, ID),
    accountId: c.text(r.accountId, `${where} "accountId"`, ID),
    identifier: identifier(c, r.identifier, `${where} "identifier"`),
    status: c.oneOf(r.status, ['pending', 'valid', 'invalid', 'deactivated'] as const, `${where} "status"`),
    expires: c.date(r.expires, `${where} "expires"`),
    challenges: c.list(r.challenges, `${where} "challenges"`).map((raw, n) => {
      const w = `${where} challenge #${n + 1}`;
      const ch = c.object(raw, w);
      const out: AcmeChallengeRecord = { type: c.oneOf(ch.type, ['http-01', 'dns-01', 'tls-alpn-01'] as const, `${w} "type"`), token: c.text(ch.token, `${w} "token"`, ID), status: c.oneOf(ch.status, ['pending', 'processing', 'valid', 'invalid'] as const, `${w} "status"`) };
      if (ch.validated !== undefined) out.validated = c.date(ch.validated, `${w} "validated"`);
      const error = problem(c, ch.error, `${w} "error"`);
      if (error) out.error = error;
      return out;
    }),
  };
}

/** The records with `record` put in place of the one of its kind and id (new arrays: copyIndex shares them). */
export function withAcmeRecord(records: AcmeRecords | undefined, record: AcmeRecord): AcmeRecords {
  const r = records ?? { accounts: [], orders: [], authorizations: [] };
  const { kind, ...rest } = record;
  const replace = <T extends { id: string }>(list: T[], item: T) => [...list.filter((x) => x.id !== item.id), item];
  if (kind === 'account') return { ...r, accounts: replace(r.accounts, rest as AcmeAccountRecord) };
  if (kind === 'order') return { ...r, orders: replace(r.orders, rest as AcmeOrderRecord) };
  return { ...r, authorizations: replace(r.authorizations, rest as AcmeAuthzRecord) };
}

/** The ids of orders and authorizations to remove (journal op `acme-remove`). */
export interface AcmeRemoval {
  orders: string[];
  authorizations: string[];
}

/**
 * How long a finished or expired order or authorization is kept past its end: a client polling it
 * a little late still reads `invalid` or `expired`, not 404.
 */
export const ACME_KEEP_MS = 86_400_000;

/**
 * What may be removed at `at` (pruning, ca/acme/state.ts): an authorization, and an order not
 * valid, once `expires` is ACME_KEEP_MS behind; a valid order once its certificate has ended
 * (`certificateEnd`, its notAfter; or its own `expires` if the index has no such certificate) that
 * long ago, since revokeCert by the account needs the order (ca/acme/revoke.ts) while the
 * certificate is in force. Accounts are kept.
 */
export function prunableAcme(records: AcmeRecords | undefined, at: Date, certificateEnd: (serial: string) => string | undefined): AcmeRemoval {
  const before = at.getTime() - ACME_KEEP_MS;
  const ended = (iso: string | undefined) => iso !== undefined && Date.parse(iso) < before;
  const orders = (records?.orders ?? []).filter((o) => ended(o.status === 'valid' && o.serial !== undefined ? (certificateEnd(o.serial) ?? o.expires) : o.expires));
  const authorizations = (records?.authorizations ?? []).filter((a) => ended(a.expires));
  return { orders: orders.map((o) => o.id), authorizations: authorizations.map((a) => a.id) };
}

/** The records without those `removal` names (new arrays); ids not there are no error (already gone). */
export function withoutAcmeRecords(records: AcmeRecords, removal: AcmeRemoval): AcmeRecords {
  const orders = new Set(removal.orders);
  const authorizations = new Set(removal.authorizations);
  return { ...records, orders: records.orders.filter((o) => !orders.has(o.id)), authorizations: records.authorizations.filter((a) => !authorizations.has(a.id)) };
}
