/**
 * The ACME account use cases (RFC 8555 7.3): a new account (bound by External Account Binding when
 * asked), contact update and deactivation, key rollover. Each is decided on the records as the
 * store change that writes it sees them (state.ts CommittedView).
 */
import { jwkThumbprint } from '../../pki/jwk-thumbprint.js';
import { eabHmac, spendBinding } from './binding.js';
import type { Acme } from './context.js';
import { AcmeRefusal } from './refusal.js';
import { randomId, type Account, type CommittedView } from './state.js';

/** The HMAC key (base64url) of an EAB key id, or undefined if there is none. */
export type EabHmacLookup = (kid: string) => Promise<string | undefined>;

/**
 * Checks the newAccount's External Account Binding with the keys it is given, resolving with the
 * key id it binds; server/acme/eab.ts. Called only for an account about to be created.
 */
export type BindingCheck = (hmacFor: EabHmacLookup) => Promise<{ kid: string }>;

/**
 * RFC 8555 7.3: an existing key's account is returned as it is (its binding, if any, was made when
 * it was created). A new one is bound when `bind` is given (7.3.4): the binding is checked against
 * the store's ACME tokens and spends one use in the very change that records the account, so a
 * token of one use binds one account however many ask at once.
 */
export async function newAccount(acme: Acme, ask: { jwk: Record<string, unknown>; payload: Record<string, unknown>; bind?: BindingCheck | undefined; now: Date }): Promise<{ account: Account; created: boolean }> {
  const thumbprint = jwkThumbprint(ask.jwk);
  const existing = acme.state.accountByThumbprint(thumbprint);
  if (existing) return { account: existingAccount(existing), created: false };
  if (ask.payload.onlyReturnExisting === true) throw new AcmeRefusal('accountDoesNotExist', 'no account has this key; register without onlyReturnExisting');
  if (ask.payload.termsOfServiceAgreed !== undefined && typeof ask.payload.termsOfServiceAgreed !== 'boolean') throw new AcmeRefusal('malformed', '"termsOfServiceAgreed" must be true or false');
  const jwk = Object.fromEntries(['kty', 'crv', 'n', 'e', 'x', 'y'].filter((m) => typeof ask.jwk[m] === 'string').map((m) => [m, ask.jwk[m] as string]));
  const account: Account = { id: randomId(), thumbprint, jwk, contact: contactOf(ask.payload.contact), status: 'valid' };
  const bind = ask.bind;
  const raced = await acme.state.change(async (current, tx) => {
    // The same key registered by a request committed meanwhile: that account, and no use spent.
    const other = current.accountByThumbprint(thumbprint);
    if (other) return { records: [], value: other };
    if (bind) {
      if (!tx) throw new AcmeRefusal('serverInternal', 'External Account Binding needs the store');
      const { kid } = await bind(async (id) => eabHmac(tx.index, id));
      spendBinding(tx, kid, ask.now);
      account.eab = kid;
    }
    return { records: [{ kind: 'account' as const, ...account }], value: undefined };
  });
  if (raced) return { account: existingAccount(raced), created: false };
  return { account, created: true };
}

/** RFC 8555 7.3.6: a deactivated account's key is refused, even to look the account up (as Boulder: 403). */
function existingAccount(account: Account): Account {
  if (account.status !== 'valid') throw new AcmeRefusal('unauthorized', 'the account of this key is deactivated; register a new key');
  return account;
}

/**
 * The account as the change sees it, still valid and still held by the key that signed the request
 * (`signer`, the account as the request found it): a key rolled over meanwhile signs for it no more.
 */
export function stillHeld(current: CommittedView, signer: Account): Account {
  const account = current.account(signer.id);
  if (!account || account.status !== 'valid') throw new AcmeRefusal('unauthorized', 'the account is deactivated');
  if (account.thumbprint !== signer.thumbprint) throw new AcmeRefusal('unauthorized', 'the account\'s key has changed; sign with its current key');
  return account;
}

/** RFC 8555 7.3.2 and 7.3.6: a new contact list, or deactivation (final). */
export async function updateAccount(acme: Acme, account: Account, payload: Record<string, unknown>): Promise<Account> {
  if (payload.status !== undefined && payload.status !== 'deactivated') throw new AcmeRefusal('malformed', 'an account may only be set to "deactivated"');
  const contact = payload.contact === undefined ? undefined : contactOf(payload.contact);
  return acme.state.change(async (current) => {
    const held = stillHeld(current, account);
    const next: Account = { ...held, contact: contact ?? held.contact };
    if (payload.status === 'deactivated') next.status = 'deactivated';
    return { records: [{ kind: 'account' as const, ...next }], value: next };
  });
}

/**
 * RFC 8555 7.3.5: the account's key replaced by `newJwk` (already proven by the inner JWS), after
 * `oldKey` is checked to be the account's; a key that has an account of its own is a conflict (409).
 */
export async function changeKey(acme: Acme, account: Account, oldKey: unknown, newJwk: Record<string, unknown>): Promise<Account> {
  if (typeof oldKey !== 'object' || oldKey === null || jwkThumbprintOrNone(oldKey as Record<string, unknown>) !== account.thumbprint) throw new AcmeRefusal('malformed', '"oldKey" is not the account\'s current key');
  const thumbprint = jwkThumbprint(newJwk);
  const jwk = Object.fromEntries(['kty', 'crv', 'n', 'e', 'x', 'y'].filter((m) => typeof newJwk[m] === 'string').map((m) => [m, newJwk[m] as string]));
  return acme.state.change(async (current) => {
    const held = stillHeld(current, account);
    // Checked in the change: two accounts rolling over to one key at once, one gets it.
    if (current.accountByThumbprint(thumbprint)) throw new AcmeRefusal('malformed', 'the new key already has an account; keep it, or roll over to another key', 409);
    const next: Account = { ...held, thumbprint, jwk };
    return { records: [{ kind: 'account' as const, ...next }], value: next };
  });
}

function jwkThumbprintOrNone(jwk: Record<string, unknown>): string | undefined {
  try {
    return jwkThumbprint(jwk);
  } catch {
    return undefined;
  }
}

function contactOf(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 10) throw new AcmeRefusal('invalidContact', '"contact" must be a list of at most 10 mailto: URLs');
  for (const c of value) {
    if (typeof c !== 'string' || !/^mailto:[^\s,?@]+@[^\s,?@]+$/.test(c)) {
      throw typeof c === 'string' && !c.startsWith('mailto:') ? new AcmeRefusal('unsupportedContact', `only mailto: contacts are taken, not ${JSON.stringify(c)}`) : new AcmeRefusal('invalidContact', `${JSON.stringify(c)} is not a mailto: address`);
    }
  }
  return value as string[];
}
