/**
 * The life of ACME orders and authorizations (RFC 8555 7.1.6), and what one account may have open
 * at once: an order or authorization past `expires` is answered invalid or expired whatever is
 * recorded, and is then pruned (state.ts); open ones count against the account's caps.
 */
import { AcmeRefusal } from './refusal.js';
import type { Account, AcmeState, Authorization, Order } from './state.js';

/** An order and its authorizations are valid for a week (Boulder: 7 days), long enough for any client. */
export const ORDER_LIFETIME_MS = 7 * 86_400_000;
/**
 * Orders and authorizations one account may have open (unfinished, not expired) at once, so a
 * client in a loop cannot grow the store without end: Boulder's limit of 300 pending orders, and
 * 1,000 pending authorizations (each order names up to MAX_IDENTIFIERS).
 */
export const MAX_OPEN_ORDERS = 300;
export const MAX_OPEN_AUTHORIZATIONS = 1000;

/**
 * Refuses a new order beyond the account's caps on open orders and authorizations (rateLimited,
 * as Boulder), with Retry-After: when the earliest open order or authorization expires. `state`
 * counts orders being recorded (`inFlight`), so concurrent orders cannot all pass one check.
 */
export function checkOpen(state: AcmeState, account: Account, authorizations: number, now: Date): void {
  const orders = state.unfinishedOrders(account.id).filter((o) => UNFINISHED.has(orderStatus(state, o, now)));
  const authzs = state.pendingAuthorizations(account.id).filter((a) => authorizationStatus(a, now) === 'pending');
  const flying = state.inFlight(account.id);
  const tooMany = orders.length + flying.orders >= MAX_OPEN_ORDERS ? `${MAX_OPEN_ORDERS} orders` : authzs.length + flying.authorizations + authorizations > MAX_OPEN_AUTHORIZATIONS ? `${MAX_OPEN_AUTHORIZATIONS} pending authorizations` : undefined;
  if (tooMany === undefined) return;
  const first = Math.min(...orders.map((o) => Date.parse(o.expires)), ...authzs.map((a) => Date.parse(a.expires)));
  const wait = Number.isFinite(first) ? Math.max(1, Math.ceil((first - now.getTime()) / 1000)) : 1;
  throw new AcmeRefusal('rateLimited', `this account has the most open orders it may have (${tooMany}); finalize them, or wait for them to expire (${ORDER_LIFETIME_MS / 86_400_000} days after each was made)`, undefined, wait);
}

const UNFINISHED = new Set<Order['status']>(['pending', 'ready', 'processing']);

/**
 * An order's status now (RFC 8555 7.1.6): an unfinished one past `expires` is invalid; a pending
 * one is invalid if an authorization is invalid, deactivated, expired or gone, ready once all are valid.
 */
export function orderStatus(state: AcmeState, order: Readonly<Order>, now: Date): Order['status'] {
  if (!UNFINISHED.has(order.status)) return order.status;
  if (Date.parse(order.expires) <= now.getTime()) return 'invalid';
  if (order.status !== 'pending') return order.status;
  const states = order.authorizations.map((id) => {
    const a = state.authorizationView(id);
    return a === undefined ? 'gone' : authorizationStatus(a, now);
  });
  if (states.some((s) => s !== 'pending' && s !== 'valid')) return 'invalid';
  return states.every((s) => s === 'valid') ? 'ready' : 'pending';
}

/** An authorization's status now (RFC 8555 7.1.6): a pending or valid one past `expires` is expired. */
export function authorizationStatus(authz: Readonly<Authorization>, now: Date): Authorization['status'] {
  if ((authz.status === 'pending' || authz.status === 'valid') && Date.parse(authz.expires) <= now.getTime()) return 'expired';
  return authz.status;
}

/**
 * RFC 8555 7.1.2.1: the account's orders still open (pending, ready, processing), oldest first,
 * as ids; at most MAX_OPEN_ORDERS of them exist, so a page of `pageSize` from `page` (0-based).
 */
export function openOrdersOf(state: AcmeState, account: Account, now: Date, page: number, pageSize: number): { ids: string[]; more: boolean } {
  const open = state
    .unfinishedOrders(account.id)
    .filter((o) => UNFINISHED.has(orderStatus(state, o, now)))
    .sort((a, b) => a.expires.localeCompare(b.expires) || a.id.localeCompare(b.id));
  return { ids: open.slice(page * pageSize, (page + 1) * pageSize).map((o) => o.id), more: open.length > (page + 1) * pageSize };
}
