/**
 * The ACME resources as the client reads them (RFC 8555 7.1): the directory, accounts, orders,
 * authorizations and challenges, with the URLs of this server (`base`, as the client named it).
 */
import type { Account, Authorization, Challenge, Order } from '../../ca/acme/state.js';

export function directory(base: string, requireBinding: boolean): Record<string, unknown> {
  return {
    newNonce: `${base}/acme/new-nonce`,
    newAccount: `${base}/acme/new-account`,
    newOrder: `${base}/acme/new-order`,
    revokeCert: `${base}/acme/revoke-cert`,
    keyChange: `${base}/acme/key-change`,
    meta: { externalAccountRequired: requireBinding },
  };
}

export function accountUrl(base: string, a: Account): string {
  return `${base}/acme/acct/${a.id}`;
}

export function accountJson(base: string, a: Account): Record<string, unknown> {
  return { status: a.status, contact: a.contact, key: a.jwk, orders: `${accountUrl(base, a)}/orders` };
}

export function orderJson(base: string, o: Order): Record<string, unknown> {
  return {
    status: o.status,
    expires: o.expires,
    identifiers: o.identifiers,
    authorizations: o.authorizations.map((a) => `${base}/acme/authz/${a}`),
    finalize: `${base}/acme/finalize/${o.id}`,
    ...(o.serial ? { certificate: `${base}/acme/cert/${o.id}` } : {}),
    ...(o.error ? { error: { ...o.error, type: `urn:ietf:params:acme:error:${o.error.type}` } } : {}),
  };
}

export function authzJson(base: string, a: Authorization): Record<string, unknown> {
  return { identifier: a.identifier, ...(a.wildcard ? { wildcard: true } : {}), status: a.status, expires: a.expires, challenges: a.challenges.map((c) => challengeJson(base, a, c)) };
}

export function challengeJson(base: string, a: Authorization, c: Challenge): Record<string, unknown> {
  return {
    type: c.type,
    url: `${base}/acme/chall/${a.id}/${c.type}`,
    token: c.token,
    status: c.status,
    ...(c.validated ? { validated: c.validated } : {}),
    ...(c.error ? { error: { type: `urn:ietf:params:acme:error:${c.error.type}`, detail: c.error.detail, status: 400 } } : {}),
  };
}
