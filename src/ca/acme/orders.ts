/**
 * The ACME order use cases (RFC 8555 7.4–7.5): orders, authorizations and their http-01, dns-01
 * and tls-alpn-01 challenges, finalization (accounts are accounts.ts). A certificate is issued
 * through ca/issue.ts like every other (the same checks: the CA's constraints, the subject, the
 * lifetime), with --acme-profile and --acme-days, and is in the store's index, `ca list` and
 * `ca revoke`.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readRequest } from '../../pki/csr.js';
import { altNamesFromText, type AltNames } from '../../pki/san.js';
import { checkConstraints, issuingProfile, issueWithin, prepareIssue, type Issued } from '../issue.js';
import { stillHeld } from './accounts.js';
import { accountToken, checkTokenNames } from './binding.js';
import type { Acme } from './context.js';
import { authorizationStatus, checkOpen, ORDER_LIFETIME_MS, orderStatus } from './lifecycle.js';
import { checkIdentifier } from './policy.js';
import { AcmeRefusal } from './refusal.js';
import { entryBySerial } from '../../store/index-file.js';
import { randomId, type Account, type Authorization, type Challenge, type Identifier, type Order } from './state.js';
import { validateTlsAlpn01 } from './tls-alpn.js';
import { validateDns01, validateHttp01 } from './validation.js';

/** Bound on one order: the certificate's names (MAX_ALT_NAMES is 100; Let's Encrypt allows 100 too). */
export const MAX_IDENTIFIERS = 100;

/** RFC 8555 7.4: every identifier checked against the policy before any authorization exists. */
export async function newOrder(acme: Acme, account: Account, payload: Record<string, unknown>, now: Date): Promise<Order> {
  const raw = payload.identifiers;
  if (!Array.isArray(raw) || raw.length === 0) throw new AcmeRefusal('malformed', 'the order needs "identifiers", a non-empty list');
  if (raw.length > MAX_IDENTIFIERS) throw new AcmeRefusal('rejectedIdentifier', `an order names at most ${MAX_IDENTIFIERS} identifiers`);
  // notBefore/notAfter are not honoured (RFC 8555 7.1.3 lets a server refuse them): the lifetime is --acme-days.
  if (payload.notBefore !== undefined || payload.notAfter !== undefined) throw new AcmeRefusal('malformed', 'notBefore and notAfter are not taken here; the lifetime is the server\'s --acme-days');
  const identifiers = dedupe(raw.map((r) => checkIdentifier(r, acme.allow, acme.service.authority.constraints)));
  checkIssuable(acme, identifiers);
  await acme.state.prune(now);
  // No await from this check to put(), which counts the order as in flight at once.
  checkOpen(acme.state, account, identifiers.length, now);
  const expires = new Date(now.getTime() + ORDER_LIFETIME_MS).toISOString();
  const authzs = identifiers.map((identifier) => authorizationFor(account, identifier, expires));
  const order: Order = { id: randomId(), accountId: account.id, status: 'pending', expires, identifiers, authorizations: authzs.map((a) => a.id) };
  const records = [...authzs.map((a) => ({ kind: 'authz' as const, ...a })), { kind: 'order' as const, ...order }];
  // One change: an order is never recorded without its authorizations, nor for a bound account
  // beyond what its token allows as the store has it now (a revocation counts at once).
  await acme.state.put(records, (tx) => {
    const token = accountToken(tx.index, account, acme.requireBinding === true, now);
    if (token) checkTokenNames(token, identifiers);
  });
  return order;
}

/**
 * RFC 8555 7.1.4 and 8.4: a wildcard's authorization is for its base name, marked wildcard, and
 * only dns-01 proves it (RFC 8737 3 too: no tls-alpn-01 for a wildcard); a DNS name is offered
 * http-01, dns-01 and tls-alpn-01; an address http-01 and tls-alpn-01 (RFC 8738 7).
 */
function authorizationFor(account: Account, identifier: Identifier, expires: string): Authorization {
  const wildcard = identifier.value.startsWith('*.');
  const types: Challenge['type'][] = wildcard ? ['dns-01'] : identifier.type === 'dns' ? ['http-01', 'dns-01', 'tls-alpn-01'] : ['http-01', 'tls-alpn-01'];
  return {
    id: randomId(),
    accountId: account.id,
    identifier: wildcard ? { type: 'dns', value: identifier.value.slice(2) } : identifier,
    ...(wildcard ? { wildcard: true as const } : {}),
    status: 'pending',
    expires,
    challenges: types.map((type) => ({ type, token: randomId(), status: 'pending' as const })),
  };
}

/**
 * The whole certificate the order would give, held to the CA's rules now rather than at finalize:
 * an order for addresses only has its first address as CN, which a DNS-constrained CA refuses
 * (verifiers hold such a CN to the DNS constraints: pki/constraints.ts).
 */
function checkIssuable(acme: Acme, identifiers: Identifier[]): void {
  if (!identifiers.some((i) => i.value.length <= MAX_COMMON_NAME)) throw new AcmeRefusal('rejectedIdentifier', `every name is over ${MAX_COMMON_NAME} characters; the certificate's common name needs one that fits: add a shorter name to the order`);
  try {
    checkConstraints(acme.service.authority.constraints, altNamesOf(identifiers), commonNameOf(identifiers));
  } catch (err) {
    throw new AcmeRefusal('rejectedIdentifier', `${(err as Error).message}; order a DNS name with the addresses`);
  }
}

function altNamesOf(identifiers: Identifier[]): AltNames {
  return altNamesFromText(identifiers.map((i) => (i.type === 'dns' ? `DNS:${i.value}` : `IP:${i.value}`)));
}

function dedupe(ids: Identifier[]): Identifier[] {
  const seen = new Set<string>();
  return ids.filter((i) => !seen.has(`${i.type}:${i.value}`) && seen.add(`${i.type}:${i.value}`) !== undefined);
}

/** An account's own order, its status brought up to date (recorded when it changed). */
export async function orderOf(acme: Acme, account: Account, id: string, now: Date): Promise<Order> {
  const order = acme.state.order(id);
  if (!order || order.accountId !== account.id) throw new AcmeRefusal('malformed', 'there is no such order for this account', 404);
  const next = orderStatus(acme.state, order, now);
  if (next === order.status) return order;
  // Recorded only over the status it was worked out from: a finalize that made it valid meanwhile stays.
  return acme.state.change(async (current) => {
    const stored = current.order(id);
    if (!stored || stored.status !== order.status) return { records: [], value: stored ?? order };
    const changed: Order = { ...stored, status: next };
    return { records: [{ kind: 'order' as const, ...changed }], value: changed };
  });
}

/** An account's own authorization, as it stands now: another account's is not found (no hint that it exists). */
export function authorizationOf(acme: Acme, account: Account, id: string, now: Date): Authorization {
  const authz = acme.state.authorization(id);
  if (!authz || authz.accountId !== account.id) throw new AcmeRefusal('malformed', 'there is no such authorization for this account', 404);
  authz.status = authorizationStatus(authz, now);
  return authz;
}

/**
 * RFC 8555 7.5.1: the client says it is ready; validation runs now, within validation.ts's bounds,
 * and the answer already says valid or invalid (PITFALLS: lego then does not wait Retry-After).
 */
export async function answerChallenge(acme: Acme, account: Account, authzId: string, type: string, now: Date): Promise<Authorization> {
  const authz = authorizationOf(acme, account, authzId, now);
  const challenge = authz.challenges.find((c) => c.type === type);
  if (!challenge) throw new AcmeRefusal('malformed', `there is no ${type} challenge here`, 404);
  if (challenge.status !== 'pending' || authz.status !== 'pending') return authz;
  challenge.status = 'processing';
  try {
    const keyAuthorization = `${challenge.token}.${account.thumbprint}`;
    if (challenge.type === 'dns-01') await validateDns01(authz.identifier, keyAuthorization, acme.validation);
    else if (challenge.type === 'tls-alpn-01') await validateTlsAlpn01(authz.identifier, keyAuthorization, acme.validation);
    else await validateHttp01(authz.identifier, challenge.token, keyAuthorization, acme.validation);
    challenge.status = 'valid';
    challenge.validated = now.toISOString();
    authz.status = 'valid';
  } catch (err) {
    const refusal = err instanceof AcmeRefusal ? err : new AcmeRefusal('connection', 'the validation failed');
    challenge.status = 'invalid';
    challenge.error = { type: refusal.type, detail: refusal.message };
    authz.status = 'invalid';
  }
  // Two answers to one challenge at once: the first outcome recorded stands.
  return acme.state.change(async (current) => {
    const stored = current.authorization(authzId);
    if (stored && stored.status !== 'pending') return { records: [], value: stored };
    return { records: [{ kind: 'authz' as const, ...authz }], value: authz };
  });
}

/**
 * RFC 8555 7.4: the CSR must name exactly the order's identifiers (badCSR otherwise); the
 * certificate is issued at once, the order valid in the same answer.
 */
export async function finalize(acme: Acme, account: Account, orderId: string, csr: Buffer, now: Date): Promise<{ order: Order; issued: Issued }> {
  const order = await orderOf(acme, account, orderId, now);
  if (order.status === 'invalid' && Date.parse(order.expires) <= now.getTime()) throw new AcmeRefusal('orderNotReady', `the order expired at ${order.expires} and is invalid; make a new order`);
  if (order.status !== 'ready') throw new AcmeRefusal('orderNotReady', `the order is ${order.status}, not ready: every authorization must be valid first`);
  const names = csrNames(csr, order, account);
  return acme.state.change(async (current, tx) => {
    if (!tx) throw new AcmeRefusal('serverInternal', 'a certificate is issued only into a store');
    stillHeld(current, account);
    // Checked again in the change that issues: of several finalize requests at once, one issues.
    const stored = current.order(orderId);
    if (stored?.status !== 'ready') throw new AcmeRefusal('orderNotReady', `the order is ${stored?.status ?? 'gone'}, not ready`);
    // A bound account's token is checked again here, in the change that issues, and gives the profile.
    const token = accountToken(tx.index, account, acme.requireBinding === true, now);
    const profile = await issuingProfile(token?.profile ?? acme.profile, acme.service.store);
    const done = issueWithin(
      tx,
      prepareIssue({
        store: acme.service.store,
        authority: acme.service.authority,
        name: { fromCommonName: commonNameOf(order.identifiers) },
        profile,
        subject: { commonName: commonNameOf(order.identifiers) },
        altNames: names.altNames,
        publicKey: names.publicKey,
        key: { none: true },
        lifetime: { days: acme.days },
        now,
        source: 'csr',
        force: false,
      }),
    );
    // The order is valid in the very change that issues: never a certificate without its order, or the reverse.
    const valid: Order = { ...order, status: 'valid', serial: done.entry.serial };
    return { records: [{ kind: 'order' as const, ...valid }], value: { order: valid, issued: done } };
  });
}

/**
 * The certificate of a valid order, as the store holds it, with the CA certificates above it.
 * certbot 2.1 refuses a chain of one certificate ("less than 2 certificates in chain"): under a
 * root that issues directly, the root goes with the leaf (as Pebble's chain ends at its root).
 */
export async function certificateChain(acme: Acme, account: Account, orderId: string, now: Date): Promise<string> {
  const order = await orderOf(acme, account, orderId, now);
  const entry = order.serial === undefined ? undefined : acme.service.store.change(async (tx) => entryBySerial(tx.index, order.serial!));
  const found = await entry;
  if (!found) throw new AcmeRefusal('malformed', 'the order has no certificate', 404);
  const pem = await acme.service.store.certificatePem(found);
  const { ca, above } = acme.service.authority.chain;
  return pem + (above.length ? [ca, ...above.slice(0, -1)] : [ca]).join('');
}

/** RFC 5280 upper bound ub-common-name: the CN is the first identifier that fits (newOrder asks that one does). */
const MAX_COMMON_NAME = 64;

function commonNameOf(identifiers: Identifier[]): string {
  return identifiers.find((i) => i.value.length <= MAX_COMMON_NAME)!.value;
}

function csrNames(der: Buffer, order: Order, account: Account): { altNames: AltNames; publicKey: KeyObject } {
  let info;
  try {
    info = readRequest(der, 'the CSR');
  } catch (err) {
    throw new AcmeRefusal('badCSR', (err as Error).message);
  }
  const asked = new Set([...info.altNames.dns.map((d) => `dns:${d.toLowerCase()}`), ...info.altNames.ips.map((i) => `ip:${i.text}`)]);
  const cn = info.subject.commonName;
  if (cn) asked.add(order.identifiers.some((i) => i.value === cn.toLowerCase()) ? `${order.identifiers.find((i) => i.value === cn.toLowerCase())!.type}:${cn.toLowerCase()}` : `cn:${cn}`);
  const wanted = new Set(order.identifiers.map((i) => `${i.type}:${i.value}`));
  const extra = [...asked].filter((a) => !wanted.has(a));
  const missing = [...wanted].filter((w) => !asked.has(w));
  if (extra.length || missing.length || info.altNames.uris.length || info.altNames.emails.length) {
    throw new AcmeRefusal('badCSR', `the CSR must name exactly the order's identifiers${extra.length ? `; it adds ${extra.join(', ')}` : ''}${missing.length ? `; it lacks ${missing.join(', ')}` : ''}${info.altNames.uris.length + info.altNames.emails.length ? '; it has URI or e-mail names' : ''}`);
  }
  // As Boulder and Pebble: the certificate's key is not the account's, so a TLS server's key, if
  // taken, does not give the account (and every certificate it may order) with it.
  if (info.publicKey.equals(createPublicKey({ key: account.jwk as JsonWebKey, format: 'jwk' }))) throw new AcmeRefusal('badCSR', 'the CSR\'s key is the account\'s key; make a new key for the certificate');
  return { altNames: altNamesOf(order.identifiers), publicKey: info.publicKey };
}
