/**
 * ACME's state (RFC 8555 7.1): accounts, orders and their authorizations with their challenges,
 * behind `AcmeState`, so the use cases do not know where it is kept. The one implementation today
 * keeps it in the server's memory: it does not survive a restart (an account registers again, an
 * order is made again; the certificates issued are in the store like every other).
 */
import { randomBytes } from 'node:crypto';

export type Identifier = { type: 'dns' | 'ip'; value: string };

export interface Account {
  id: string;
  /** RFC 7638 thumbprint of the account key: one account per key */
  thumbprint: string;
  jwk: Record<string, unknown>;
  contact: string[];
  status: 'valid' | 'deactivated';
}

export interface Challenge {
  type: 'http-01';
  token: string;
  status: 'pending' | 'processing' | 'valid' | 'invalid';
  validated?: string;
  error?: { type: string; detail: string };
}

export interface Authorization {
  id: string;
  accountId: string;
  identifier: Identifier;
  status: 'pending' | 'valid' | 'invalid' | 'deactivated';
  expires: string;
  challenges: Challenge[];
}

export interface Order {
  id: string;
  accountId: string;
  status: 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
  expires: string;
  identifiers: Identifier[];
  authorizations: string[];
  /** once valid: the certificate and the intermediates above it, PEM */
  certificate?: string;
  serial?: string;
  error?: { type: string; detail: string };
}

export interface AcmeState {
  accountById(id: string): Account | undefined;
  accountByThumbprint(thumbprint: string): Account | undefined;
  putAccount(account: Account): void;
  order(id: string): Order | undefined;
  putOrder(order: Order): void;
  authorization(id: string): Authorization | undefined;
  putAuthorization(authz: Authorization): void;
}

/** 128 random bits, base64url: the ids in every ACME URL, and challenge tokens (RFC 8555 8.1 asks ≥ 128 bits). */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

export class MemoryAcmeState implements AcmeState {
  private readonly accounts = new Map<string, Account>();
  private readonly byThumbprint = new Map<string, string>();
  private readonly orders = new Map<string, Order>();
  private readonly authzs = new Map<string, Authorization>();

  accountById(id: string): Account | undefined {
    return this.accounts.get(id);
  }
  accountByThumbprint(thumbprint: string): Account | undefined {
    const id = this.byThumbprint.get(thumbprint);
    return id === undefined ? undefined : this.accounts.get(id);
  }
  putAccount(account: Account): void {
    this.accounts.set(account.id, account);
    this.byThumbprint.set(account.thumbprint, account.id);
  }
  order(id: string): Order | undefined {
    return this.orders.get(id);
  }
  putOrder(order: Order): void {
    this.orders.set(order.id, order);
  }
  authorization(id: string): Authorization | undefined {
    return this.authzs.get(id);
  }
  putAuthorization(authz: Authorization): void {
    this.authzs.set(authz.id, authz);
  }
}
