/**
 * `ca serve --acme`: the ACME endpoints (RFC 8555 7.1) under /acme/, on the server's own listener
 * and through its handle() (the per-address limits apply). Each POST is checked by request.ts (JWS,
 * key, signature, nonce, url), then calls one use case of ca/acme/orders.ts. Every answer carries a
 * fresh Replay-Nonce (6.5) and Link rel="index" (7.1); refusals are problem documents (6.7).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { changeKey, newAccount, updateAccount, type BindingCheck } from '../../ca/acme/accounts.js';
import type { Acme } from '../../ca/acme/context.js';
import { answerChallenge, authorizationOf, certificateChain, finalize, newOrder, orderOf } from '../../ca/acme/orders.js';
import { openOrdersOf } from '../../ca/acme/lifecycle.js';
import { AcmeRefusal } from '../../ca/acme/refusal.js';
import { revokeByAcme } from '../../ca/acme/revoke.js';
import type { Account } from '../../ca/acme/state.js';
import { readBody } from '../limits.js';
import { HttpError } from '../respond.js';
import { checkEab } from './eab.js';
import { base64url, checkSignature, keyOf, parseJws, payloadObject, type KeyForm, type VerifiedJws } from './jws.js';
import type { NonceStore } from './nonces.js';
import { AcmeProblem, problemFromError, renderProblem, type ProblemType } from './problem.js';
import { verifyRequest } from './request.js';
import { accountJson, accountUrl, authzJson, challengeJson, directory, orderJson } from './resources.js';
import { requestUrl } from './url.js';

export interface AcmeServer {
  acme: Acme;
  nonces: NonceStore;
}

/** What the audit log says of an ACME call that issued or revoked. */
export interface AcmeAudit {
  event: 'sign' | 'revoke';
  outcome: 'issued' | 'revoked';
  route: 'acme-finalize' | 'acme-revoke';
  /** `acme:ACCOUNT-ID`, or `acme-key:SERIAL` for a revocation signed by the certificate's key */
  credential: string;
  serial: string;
  name: string;
  sans?: string[];
}

/** A refusal for the audit log (refusals.ts): the problem type, never its detail (it may quote the request). */
export interface AcmeRefused {
  route: string;
  status: number;
  code: ProblemType;
  /** `acme:ACCOUNT-ID` once the JWS is verified, else null */
  credential: string | null;
  /** serverInternal: what failed inside the server */
  error?: string;
}

/** What an ACME answer leaves for the audit log: an issuance or revocation, or a refusal. */
export type AcmeOutcome = { audit: AcmeAudit } | { refused: AcmeRefused } | undefined;

/** Charges a verified credential's rate-limit bucket; throws HttpError 429 when it is empty (limits.ts). */
export type Charge = (credential: string) => void;

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  base: string;
  /** the URL the request reached, as the JWS must name it */
  url: string;
  server: AcmeServer;
  now: Date;
  charge: Charge;
  /** the account's credential once its JWS is verified */
  credential: string | null;
}

/** Answers one request under /acme/; resolves with what the audit log should say of it. Never throws. */
export async function handleAcme(req: IncomingMessage, res: ServerResponse, path: string, server: AcmeServer, now: Date, charge: Charge): Promise<AcmeOutcome> {
  let refusedAs: ProblemType = 'malformed';
  let x: Exchange | undefined;
  try {
    const base = baseUrl(req);
    x = { req, res, base, url: requestUrl(base, req.url!), server, now, charge, credential: null };
    if (path === '/acme/directory') return void (await get(x, () => send(x!, 200, directory(base, server.acme.requireBinding === true))));
    if (path === '/acme/new-nonce') return void (await newNonce(x));
    if (req.method !== 'POST') throw new AcmeProblem('malformed', `${path} takes POST (RFC 8555 6.3: POST-as-GET)`, { status: 405 });
    if (/^\/acme\/finalize\//.test(path)) refusedAs = 'badCSR';
    const audit = await post(x, path);
    return audit && { audit };
  } catch (err) {
    return refuseAcme(req, res, path, server, err, refusedAs, x?.credential ?? null);
  }
}

/**
 * Answers `err` as a problem document with a fresh nonce (RFC 8555 6.5, 6.7): a rate limit's 429
 * (limits.ts, the address's or the account's) as rateLimited with its Retry-After. Also used by
 * the server for a request refused by its address before it reached handleAcme.
 */
export async function refuseAcme(req: IncomingMessage, res: ServerResponse, path: string, server: AcmeServer, err: unknown, refusedAs: ProblemType = 'malformed', credential: string | null = null): Promise<AcmeOutcome> {
  const problem = problemOf(err, refusedAs);
  const { status, contentType, body } = renderProblem(problem);
  if (!req.complete) res.setHeader('connection', 'close');
  const retry: Record<string, string> = problem.retryAfter === undefined ? {} : { 'retry-after': String(problem.retryAfter) };
  await sendRaw(res, server, status, contentType, body, { link: `<${safeBase(req)}/acme/directory>;rel="index"`, ...retry });
  const refused: AcmeRefused = { route: routeOf(path), status, code: problem.type, credential };
  if (problem.type === 'serverInternal') refused.error = (err as Error)?.message ?? String(err);
  return { refused };
}

function problemOf(err: unknown, refusedAs: ProblemType): AcmeProblem {
  if (err instanceof AcmeRefusal) return new AcmeProblem(err.type, err.message, { ...(err.status ? { status: err.status } : {}), ...(err.retryAfter === undefined ? {} : { retryAfter: err.retryAfter }) });
  if (err instanceof HttpError && err.status === 429) {
    const wait = Number(err.headers['retry-after']);
    return new AcmeProblem('rateLimited', err.message, Number.isFinite(wait) ? { retryAfter: wait } : {});
  }
  if (err instanceof HttpError) return new AcmeProblem('malformed', err.message, { status: err.status });
  return problemFromError(err, refusedAs);
}

/** The route a path is logged under: a word of ours (the ids in a path are not logged). */
function routeOf(path: string): string {
  const [, kind, , sub] = /^\/acme\/([a-z-]+)(\/[A-Za-z0-9_-]+)?(?:\/([a-z0-9-]+))?$/.exec(path) ?? [];
  if (kind === 'revoke-cert') return 'acme-revoke';
  if (kind === 'acct' && sub === 'orders') return 'acme-orders';
  const known = ['directory', 'new-nonce', 'new-account', 'new-order', 'key-change', 'acct', 'order', 'authz', 'chall', 'finalize', 'cert'];
  return kind !== undefined && known.includes(kind) ? `acme-${kind}` : 'acme';
}

/**
 * The base URL as the client named this server (Host), so the URLs given out are the ones it can
 * reach, spelled as the URL parser spells them (a default port left out), as requestUrl() spells
 * the URL a JWS must name: `https://ca:443/…` in a client's configuration works.
 */
function baseUrl(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) throw new AcmeProblem('malformed', 'the request has no valid Host header');
  let url: URL;
  try {
    url = new URL(`https://${host}`);
  } catch {
    throw new AcmeProblem('malformed', 'the Host header names no host (a port over 65535, an IPv6 address that is not one)');
  }
  return url.origin;
}

function safeBase(req: IncomingMessage): string {
  try {
    return baseUrl(req);
  } catch {
    return '';
  }
}

/**
 * RFC 8555 7.3.4: with --acme-eab a new account must carry a binding (externalAccountRequired
 * otherwise). Without it, a binding the client sends is still checked, and binds the account:
 * RFC 8555 lets a server ignore it, but then an operator could not hand out restricted keys.
 */
function bindingCheck(x: Exchange, jws: VerifiedJws, binding: unknown): BindingCheck | undefined {
  if (binding === undefined && x.server.acme.requireBinding !== true) return undefined;
  return (hmacFor) => checkEab(binding, jws.key, x.url, hmacFor);
}

async function get(x: Exchange, answer: () => Promise<void>): Promise<void> {
  if (x.req.method !== 'GET' && x.req.method !== 'HEAD') throw new AcmeProblem('malformed', 'the directory takes GET', { status: 405 });
  await answer();
}

/** RFC 8555 7.2: HEAD answers 200, GET 204, both with a nonce and no body. */
async function newNonce(x: Exchange): Promise<void> {
  if (x.req.method !== 'GET' && x.req.method !== 'HEAD') throw new AcmeProblem('malformed', 'new-nonce takes HEAD or GET', { status: 405 });
  await sendRaw(x.res, x.server, x.req.method === 'HEAD' ? 200 : 204, undefined, '', { link: `<${x.base}/acme/directory>;rel="index"` });
}

async function post(x: Exchange, path: string): Promise<AcmeAudit | undefined> {
  const type = (x.req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const body = await readBody(x.req);
  if (type !== 'application/jose+json') throw new AcmeProblem('malformed', 'send the JWS as application/jose+json (RFC 8555 6.2)', { status: 415 });
  const { acme } = x.server;
  if (path === '/acme/new-account') {
    const jws = await verify(x, body, 'jwk');
    // A key that has an account is that account's request, charged to it like any other.
    const known = acme.state.accountByThumbprint(jws.key.thumbprint);
    if (known) chargeAccount(x, known);
    const payload = payloadObject(jws);
    const { account, created } = await newAccount(acme, { jwk: jws.key.jwk as Record<string, unknown>, payload, bind: bindingCheck(x, jws, payload.externalAccountBinding), now: x.now });
    return void (await send(x, created ? 201 : 200, accountJson(x.base, account), { location: accountUrl(x.base, account) }));
  }
  if (path === '/acme/revoke-cert') return revoke(x, body);
  const { jws, account } = await signedByAccount(x, body);
  if (path === '/acme/key-change') return void (await keyChange(x, jws, account));
  const [, kind, id, sub] = /^\/acme\/([a-z-]+)\/([A-Za-z0-9_-]+)(?:\/([a-z0-9-]+))?$/.exec(path) ?? [];
  if (path === '/acme/new-order') {
    const order = await newOrder(acme, account, payloadObject(jws), x.now);
    return void (await send(x, 201, orderJson(x.base, order), { location: `${x.base}/acme/order/${order.id}` }));
  }
  if (kind === 'acct' && sub === undefined) {
    if (id !== account.id) throw new AcmeProblem('unauthorized', 'this account URL is not the signing account\'s');
    const next = jws.payload.length === 0 ? account : await updateAccount(acme, account, payloadObject(jws));
    return void (await send(x, 200, accountJson(x.base, next)));
  }
  if (kind === 'acct' && sub === 'orders') return void (await ordersList(x, jws, account, id!));
  if (kind === 'order' && sub === undefined) return void (await send(x, 200, orderJson(x.base, await orderOf(acme, account, id!, x.now))));
  if (kind === 'authz' && sub === undefined) return void (await send(x, 200, authzJson(x.base, authorizationOf(acme, account, id!, x.now))));
  if (kind === 'chall' && sub !== undefined) return void (await challenge(x, jws, account, id!, sub));
  if (kind === 'finalize' && sub === undefined) return finalizeOrder(x, jws, account, id!);
  if (kind === 'cert' && sub === undefined) {
    const chain = await certificateChain(acme, account, id!, x.now);
    return void (await sendRaw(x.res, x.server, 200, 'application/pem-certificate-chain', chain, { link: `<${x.base}/acme/directory>;rel="index"` }));
  }
  throw new AcmeProblem('malformed', `there is no ${path}`, { status: 404 });
}

async function verify(x: Exchange, body: Buffer, form: KeyForm): Promise<VerifiedJws> {
  return verifyRequest({ body, url: x.url, form, nonces: x.server.nonces, keyFor: async (kid) => accountForKid(x, kid)?.jwk });
}

function accountForKid(x: Exchange, kid: string): Account | undefined {
  const prefix = `${x.base}/acme/acct/`;
  return kid.startsWith(prefix) ? x.server.acme.state.accountById(kid.slice(prefix.length)) : undefined;
}

/** A POST signed with `kid`: the account must exist and be valid (RFC 8555 7.3.6: a deactivated one is unauthorized). */
async function signedByAccount(x: Exchange, body: Buffer): Promise<{ jws: VerifiedJws; account: Account }> {
  const jws = await verify(x, body, 'kid');
  const account = accountForKid(x, jws.header.kid!)!;
  chargeAccount(x, account);
  if (account.status !== 'valid') throw new AcmeProblem('unauthorized', 'the account is deactivated');
  return { jws, account };
}

/**
 * The account is known once its JWS verified: from here on its requests are its own, logged as
 * `acme:ID` and counted in its own bucket of --rate-limit (a verified credential's, limits.ts), so
 * one account cannot spend the budget of an address other clients share (a NAT).
 */
function chargeAccount(x: Exchange, account: Account): void {
  x.credential = `acme:${account.id}`;
  x.charge(x.credential);
}

/** Orders listed per page (RFC 8555 7.1.2.1 lets a server split the list, with Link rel="next"). */
export const ORDERS_PAGE = 100;

/** RFC 8555 7.1.2.1: POST-as-GET of the account's orders URL; its open orders, ORDERS_PAGE at a time. */
async function ordersList(x: Exchange, jws: VerifiedJws, account: Account, id: string): Promise<void> {
  if (id !== account.id) throw new AcmeProblem('unauthorized', 'this orders URL is not the signing account\'s');
  if (jws.payload.length !== 0) throw new AcmeProblem('malformed', 'the orders list is read by POST-as-GET (an empty payload)');
  const cursor = new URL(x.url).searchParams.get('cursor') ?? '0';
  if (!/^\d{1,4}$/.test(cursor)) throw new AcmeProblem('malformed', 'the "cursor" is not a page number');
  const { ids, more } = openOrdersOf(x.server.acme.state, account, x.now, Number(cursor), ORDERS_PAGE);
  const next: Record<string, string> = more ? { next: `<${x.base}/acme/acct/${account.id}/orders?cursor=${Number(cursor) + 1}>;rel="next"` } : {};
  await send(x, 200, { orders: ids.map((o) => `${x.base}/acme/order/${o}`) }, next);
}

/**
 * RFC 8555 7.3.5: the outer JWS by the account (kid), its payload an inner JWS signed by the new
 * key (jwk, no nonce) for the same url, whose payload names the account and its old key. A new key
 * that already has an account is 409 with that account's URL in Location, as the RFC says.
 */
async function keyChange(x: Exchange, outer: VerifiedJws, account: Account): Promise<void> {
  const inner = parseJws(outer.payload, true);
  const key = await keyOf(inner, 'jwk', async () => undefined);
  checkSignature(inner, key);
  if (inner.header.url !== outer.header.url) throw new AcmeProblem('malformed', 'the inner JWS must name the same "url" as the outer one');
  const payload = payloadObject(inner);
  if (payload.account !== outer.header.kid) throw new AcmeProblem('malformed', '"account" of the inner JWS is not the signing account\'s URL');
  const other = x.server.acme.state.accountByThumbprint(key.thumbprint);
  if (other) {
    const { status, contentType, body } = renderProblem(new AcmeProblem('malformed', 'the new key already has an account (in Location); keep it, or roll over to another key', { status: 409 }));
    return sendRaw(x.res, x.server, status, contentType, body, { link: `<${x.base}/acme/directory>;rel="index"`, location: accountUrl(x.base, other) });
  }
  const next = await changeKey(x.server.acme, account, payload.oldKey, key.jwk as Record<string, unknown>);
  await send(x, 200, accountJson(x.base, next), { location: accountUrl(x.base, next) });
}

async function challenge(x: Exchange, jws: VerifiedJws, account: Account, authzId: string, type: string): Promise<void> {
  // RFC 8555 7.5.1: the client's "I am ready" is an empty object; POST-as-GET only reads.
  const authz = jws.payload.length === 0 ? authorizationOf(x.server.acme, account, authzId, x.now) : (payloadObject(jws), await answerChallenge(x.server.acme, account, authzId, type, x.now));
  const c = authz.challenges.find((ch) => ch.type === type);
  if (!c) throw new AcmeProblem('malformed', `there is no ${type} challenge here`, { status: 404 });
  await send(x, 200, challengeJson(x.base, authz, c), { up: `<${x.base}/acme/authz/${authz.id}>;rel="up"` });
}

async function finalizeOrder(x: Exchange, jws: VerifiedJws, account: Account, orderId: string): Promise<AcmeAudit> {
  const csr = payloadObject(jws).csr;
  if (typeof csr !== 'string') throw new AcmeProblem('malformed', 'finalize needs "csr", the DER request in base64url');
  const { order, issued } = await finalize(x.server.acme, account, orderId, base64url(csr, 'the "csr"'), x.now);
  await send(x, 200, orderJson(x.base, order), { location: `${x.base}/acme/order/${order.id}` });
  return { event: 'sign', outcome: 'issued', route: 'acme-finalize', credential: `acme:${account.id}`, serial: issued.entry.serial, name: issued.name, sans: issued.entry.sans };
}

/** RFC 8555 7.6: signed by the account that ordered the certificate (kid) or by its own key (jwk). */
async function revoke(x: Exchange, body: Buffer): Promise<AcmeAudit> {
  const jws = await verify(x, body, 'either');
  const payload = payloadObject(jws);
  const certificate = base64url(payload.certificate, 'the "certificate"');
  let by: { account: Account } | { key: import('node:crypto').KeyObject };
  if (jws.header.kid !== undefined) {
    const account = accountForKid(x, jws.header.kid)!;
    chargeAccount(x, account);
    if (account.status !== 'valid') throw new AcmeProblem('unauthorized', 'the account is deactivated');
    by = { account };
  } else by = { key: jws.key.key };
  const { entry } = await revokeByAcme(x.server.acme, { certificate, reason: payload.reason, by, now: x.now });
  await sendRaw(x.res, x.server, 200, undefined, '', { link: `<${x.base}/acme/directory>;rel="index"` });
  return { event: 'revoke', outcome: 'revoked', route: 'acme-revoke', credential: 'account' in by ? `acme:${by.account.id}` : `acme-key:${entry.serial}`, serial: entry.serial, name: entry.name };
}

async function send(x: Exchange, status: number, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  await sendRaw(x.res, x.server, status, 'application/json', `${JSON.stringify(body)}\n`, { link: `<${x.base}/acme/directory>;rel="index"`, ...headers });
}

/** Every answer, a refusal too, carries a fresh nonce (RFC 8555 6.5; certbot fails without one). */
async function sendRaw(res: ServerResponse, server: AcmeServer, status: number, type: string | undefined, body: string, headers: Record<string, string>): Promise<void> {
  if (res.headersSent) return void res.destroy();
  const nonce = await server.nonces.issue();
  // `up` and `next` are more Link values (RFC 8288: one header, several values).
  const links = [headers.link, headers.up, headers.next].filter((l): l is string => l !== undefined);
  const extra = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'link' && k !== 'up' && k !== 'next'));
  res.writeHead(status, {
    'replay-nonce': nonce,
    'cache-control': 'no-store',
    ...(type ? { 'content-type': type } : {}),
    'content-length': Buffer.byteLength(body),
    ...extra,
    ...(links.length ? { link: links.length === 1 ? links[0]! : links } : {}),
  });
  res.end(body);
}
