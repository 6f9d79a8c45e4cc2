/**
 * Enrollment tokens (SPEC "Online CA"): a secret that lets a node get one certificate from
 * `ca serve` without anyone copying keys around, for exactly what the token allows (a profile, a
 * name, SANs), until it expires or is used up (once, by default). The store keeps only the
 * SHA-256 of the secret; the token is shown once, when it is made.
 *
 * ACME tokens (`--acme`, SPEC "ACME"): an External Account Binding key id (the token's id) and
 * HMAC key; each use binds one ACME account, which then gets only what the token allows
 * (ca/acme/binding.ts). Neither kind is accepted where the other is.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { denied, unauthenticated, usageError } from '../error.js';
import { validateNewName } from '../pki/name.js';
import { hasServerAuth } from '../pki/profile.js';
import { checkAttribute } from '../pki/subject.js';
import { altNamesText, type AltNames } from '../pki/san.js';
import { currentEntry, type Index, type TokenRecord } from '../store/index-file.js';
import { wholeNumber } from '../pki/whole-number.js';
import { openStore, type StoreTransaction } from '../store/store.js';
import { issuingProfile } from './issue.js';

/** A token's lifetime: a number and a unit (s, m, h, d), at most 365 days. */
export function parseTtl(input: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(input.trim());
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[m?.[2] ?? 'x'];
  const seconds = m && unit ? Number(m[1]) * unit : NaN;
  if (!(seconds >= 60 && seconds <= 365 * 86_400)) {
    throw usageError(`invalid --ttl ${JSON.stringify(input)}`, 'give a lifetime such as 15m, 1h or 7d (1 minute to 365 days)');
  }
  return seconds;
}

export function parseUses(input: string): number {
  return wholeNumber(input, '--uses', 1, 10_000);
}

export interface TokenRequest {
  storeDir: string;
  profile: string;
  name?: string | undefined;
  /** the certificate's O */
  organization?: string | undefined;
  altNames: AltNames;
  ttlSeconds: number;
  uses: number;
  now: Date;
  /** an ACME token (External Account Binding key) rather than an enrollment token */
  acme?: boolean | undefined;
}

export interface CreatedToken {
  /** id.secret: what the node is given; for an ACME token its HMAC key; shown once */
  token: string;
  record: TokenRecord;
}

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

export async function createToken(req: TokenRequest): Promise<CreatedToken> {
  const store = await openStore(req.storeDir);
  const profile = await issuingProfile(req.profile, store);
  if (req.acme) checkAcmeRequest(req);
  const name = req.name === undefined ? null : validateNewName(req.name);
  if (name !== null) checkReplaceable(await store.readIndex(), name, profile.name);
  const sans = altNamesText(req.altNames);
  // The certificate's CN is the token's name or its first DNS or IP name (SPEC "Third wave"): a
  // server certificate must name the host it serves, so a serverAuth token allows at least one.
  // An ACME order always names its hosts: an ACME token without SANs allows any name of --acme-allow.
  if (!req.acme && hasServerAuth(profile) && !sans.some((s) => s.startsWith('DNS:') || s.startsWith('IP:'))) {
    throw usageError(`a token for profile ${profile.name} (serverAuth) must allow a DNS name or an IP address`, 'add --domain or --ip: the host the certificate will serve');
  }
  const id = randomBytes(6).toString('hex');
  // An ACME token's secret is the HMAC key (RFC 8555 7.3.4): 32 random bytes, HS256's key size.
  const secret = randomBytes(32).toString('base64url');
  const record: TokenRecord = {
    id,
    ...(req.acme ? { kind: 'acme' as const, hmac: secret } : {}),
    hash: hashOf(secret),
    profile: profile.name,
    name,
    organization: req.organization === undefined ? null : checkAttribute('organization', req.organization),
    sans,
    createdAt: req.now.toISOString(),
    expiresAt: new Date(req.now.getTime() + req.ttlSeconds * 1000).toISOString(),
    uses: req.uses,
    used: 0,
    lastUsedAt: null,
    revokedAt: null,
  };
  await store.change(async (tx) => tx.putToken(record));
  return { token: req.acme ? secret : `${id}.${secret}`, record };
}

/**
 * An ACME certificate's subject is its first identifier and its names are dns or ip identifiers
 * (ca/acme/orders.ts): a name, an O, a URI or an e-mail SAN could never be given, so they are refused.
 */
function checkAcmeRequest(req: TokenRequest): void {
  if (req.name !== undefined) throw usageError('--name does not go with --acme: an ACME certificate is named by its order\'s first identifier', 'leave --name out; limit the names with --domain and --ip');
  if (req.organization !== undefined) throw usageError('--organization does not go with --acme: an ACME certificate\'s subject is its first identifier alone', 'leave --organization out, or use an enrollment token (without --acme)');
  if (req.altNames.uris.length > 0 || req.altNames.emails.length > 0) throw usageError('--uri and --email do not go with --acme: ACME orders name DNS names and IP addresses only', 'limit the names with --domain and --ip');
}

export type TokenState = 'active' | 'used' | 'expired' | 'revoked';

export function tokenState(t: TokenRecord, now: Date): TokenState {
  if (t.revokedAt) return 'revoked';
  if (t.used >= t.uses) return 'used';
  if (new Date(t.expiresAt) <= now) return 'expired';
  return 'active';
}

export async function listTokens(req: { storeDir: string; now: Date }): Promise<(TokenRecord & { state: TokenState })[]> {
  const store = await openStore(req.storeDir);
  return (await store.readIndex()).tokens.map((t) => ({ ...t, state: tokenState(t, req.now) }));
}

export async function revokeToken(req: { storeDir: string; id: string; now: Date }): Promise<TokenRecord> {
  const store = await openStore(req.storeDir);
  return store.change(async (tx) => {
    const t = tx.index.tokens.find((x) => x.id === req.id);
    if (!t) throw usageError(`there is no token ${req.id}`, 'run `ca token list` to see the tokens');
    if (t.revokedAt) throw usageError(`token ${req.id} is already revoked (since ${t.revokedAt})`);
    tx.revokeToken(t.id, req.now);
    return t;
  });
}

/** The id part of a token, to name it in logs (never the secret). */
export function tokenId(token: string): string | undefined {
  const id = token.split('.')[0] ?? '';
  return /^[0-9a-f]{12}$/.test(id) ? id : undefined;
}

/**
 * The record of a token whose secret matches and that may still be used: 401 for a token that is
 * not one of this store's, 403 for one used up, expired or revoked. Checked before anything a
 * request carries is read, so an unverified caller learns nothing from the checks on its body.
 */
export function activeToken(index: Index, token: string, now: Date): TokenRecord {
  const [id, secret] = token.split('.');
  const record = id ? index.tokens.find((t) => t.id === id) : undefined;
  const given = Buffer.from(hashOf(secret ?? ''), 'hex');
  if (!record || !secret || !timingSafeEqual(given, Buffer.from(record.hash, 'hex'))) {
    throw unauthenticated('the enrollment token is not valid', 'ask for a new one: `ca token create`');
  }
  // Its HMAC key is a secret too, but for an ACME client: it binds an account, never a certificate directly.
  if (record.kind === 'acme') throw denied(`token ${record.id} is an ACME token (External Account Binding key), not an enrollment token`, 'give it to an ACME client (lego --eab, certbot --eab-kid), or ask for an enrollment token: `ca token create` without --acme');
  const state = tokenState(record, now);
  if (state !== 'active') throw denied(`the enrollment token ${record.id} is ${state === 'used' ? 'used up' : state}`, 'ask for a new one: `ca token create`');
  return record;
}

/** What a request asks of a token: checked, and the use counted, in the change that issues. */
export interface Redemption {
  profile: string | undefined;
  name: string | undefined;
  /** the SANs of the request, "DNS:…" form */
  sans: string[];
}

/**
 * Inside the issuing change, for a token activeToken() verified in it, so two requests with one
 * single-use token cannot both succeed. Returns what the certificate gets: the token's profile and
 * name, and the request's SANs (which must all be allowed), or the token's own when none.
 */
export function redeemToken(tx: StoreTransaction, record: TokenRecord, ask: Redemption, now: Date): { record: TokenRecord; profile: string; name: string | null; sans: string[] } {
  if (ask.profile !== undefined && ask.profile !== record.profile) {
    throw denied(`the enrollment token ${record.id} allows profile ${record.profile}, not ${ask.profile}`);
  }
  if (ask.name !== undefined && record.name !== null && ask.name !== record.name) {
    throw denied(`the enrollment token ${record.id} allows the name ${record.name}, not ${ask.name}`);
  }
  const outside = ask.sans.find((s) => !record.sans.includes(s));
  if (outside) throw denied(`the enrollment token ${record.id} does not allow ${outside}`, `it allows ${record.sans.join(', ') || 'no SANs'}`);
  tx.useToken(record.id, now);
  return { record, profile: record.profile, name: record.name, sans: ask.sans.length > 0 ? ask.sans : record.sans };
}

/**
 * A token that names its certificate may replace that name's certificate in force (a node enrolled
 * again), but only one of its own profile: a client token named after an administrator must not
 * supersede the administrator's certificate.
 */
export function checkReplaceable(index: Index, name: string, profile: string): void {
  const current = currentEntry(index, name);
  if (current && current.status === 'valid' && current.profile !== profile) {
    throw denied(`${name} is a certificate of profile ${current.profile} in force: a token for profile ${profile} may not replace it`, 'choose another name, or revoke it first (`ca revoke`)');
  }
}
