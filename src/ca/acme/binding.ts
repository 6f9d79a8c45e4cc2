/**
 * External Account Binding (RFC 8555 7.3.4) as the store keeps it: an ACME token (`ca token create
 * --acme`) is the key id (its id) and HMAC key; binding an account spends one of its uses, in the
 * change that creates the account; the bound account then gets only what the token allows (SPEC
 * "ACME"): its orders name only the token's DNS and IP names (when it lists any), its certificates
 * have the token's profile, and once the token is revoked or expired the account can order and
 * finalize nothing. Read inside each change, so a `ca token revoke` counts from the next request on.
 */
import type { Index, TokenRecord } from '../../store/index-file.js';
import type { StoreTransaction } from '../../store/store.js';
import { tokenState } from '../token.js';
import { AcmeRefusal } from './refusal.js';
import type { Account, Identifier } from './state.js';

/** The HMAC key of the ACME token `kid`, whatever its state (that is checked once the MAC verified). */
export function eabHmac(index: Index, kid: string): string | undefined {
  const token = index.tokens.find((t) => t.id === kid);
  return token?.kind === 'acme' ? token.hmac : undefined;
}

/** Spends one use of the ACME token `kid` for a new account: unauthorized unless it is still active. */
export function spendBinding(tx: StoreTransaction, kid: string, now: Date): void {
  const token = tx.index.tokens.find((t) => t.id === kid && t.kind === 'acme');
  if (!token) throw new AcmeRefusal('unauthorized', `no ACME token is known as ${JSON.stringify(kid)}`);
  const state = tokenState(token, now);
  if (state !== 'active') throw new AcmeRefusal('unauthorized', `the ACME token ${kid} is ${state === 'used' ? 'used up (each use binds one account)' : state}; ask the CA for a new one (\`ca token create --acme\`)`);
  tx.useToken(kid, now);
}

/**
 * The token a (valid) account is bound to, if it is: unauthorized when that token was revoked or
 * has expired, or when the server requires a binding (`requireBinding`) and the account has none
 * (it was made before --acme-eab). Used up is fine: its uses count accounts, not orders.
 */
export function accountToken(index: Index, account: Account, requireBinding: boolean, now: Date): TokenRecord | undefined {
  if (account.eab === undefined) {
    if (requireBinding) throw new AcmeRefusal('unauthorized', 'this server requires External Account Binding and this account has none; register a new account with the key id and HMAC key from `ca token create --acme`');
    return undefined;
  }
  const token = index.tokens.find((t) => t.id === account.eab && t.kind === 'acme');
  const again = 'ask the CA for a new ACME token (`ca token create --acme`) and register a new account with it';
  if (!token) throw new AcmeRefusal('unauthorized', `the account's ACME token ${account.eab} is no longer in the store; ${again}`);
  if (token.revokedAt) throw new AcmeRefusal('unauthorized', `the account's ACME token ${token.id} was revoked at ${token.revokedAt}; ${again}`);
  if (new Date(token.expiresAt) <= now) throw new AcmeRefusal('unauthorized', `the account's ACME token ${token.id} expired at ${token.expiresAt}; ${again}`);
  return token;
}

/**
 * A bound account's identifiers must each be one of its token's DNS or IP names, exactly (a
 * wildcard only if the token lists that wildcard), when the token lists any; --acme-allow and the
 * CA's constraints were checked already.
 */
export function checkTokenNames(token: TokenRecord, identifiers: readonly Identifier[]): void {
  const listed = token.sans.filter((s) => s.startsWith('DNS:') || s.startsWith('IP:'));
  if (listed.length === 0) return;
  const outside = identifiers.find((i) => !listed.includes(`${i.type === 'dns' ? 'DNS' : 'IP'}:${i.value}`));
  if (outside) throw new AcmeRefusal('rejectedIdentifier', `${outside.value} is not allowed to this account: its ACME token ${token.id} allows ${listed.map((s) => s.slice(s.indexOf(':') + 1)).join(', ')}`);
}
