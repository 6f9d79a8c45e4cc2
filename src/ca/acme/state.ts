/**
 * ACME's state (RFC 8555 7.1): accounts, orders and their authorizations with their challenges,
 * behind `AcmeState`, so the use cases do not know where it is kept. `StoreAcmeState` keeps it in
 * the store (the index's "acme" records, one journal op per change: store/acme-records.ts), so
 * accounts and orders survive a restart; it reads from a copy loaded at start, which this one
 * server keeps current (several replicas on one store would need reads through the store).
 */
import { randomBytes } from 'node:crypto';
import type { AcmeAccountRecord, AcmeAuthzRecord, AcmeChallengeRecord, AcmeIdentifier, AcmeOrderRecord, AcmeRecord } from '../../store/acme-records.js';
import type { CaStore, StoreTransaction } from '../../store/store.js';

export type Identifier = AcmeIdentifier;
export type Account = AcmeAccountRecord;
export type Challenge = AcmeChallengeRecord;
export type Authorization = AcmeAuthzRecord;
export type Order = AcmeOrderRecord;

export interface AcmeState {
  accountById(id: string): Account | undefined;
  accountByThumbprint(thumbprint: string): Account | undefined;
  order(id: string): Order | undefined;
  authorization(id: string): Authorization | undefined;
  /** the valid order whose certificate has this serial */
  orderWithSerial(serial: string): Order | undefined;
  /** records the changes, all or none */
  put(records: AcmeRecord[]): Promise<void>;
  /** records them within a change of the store (the certificate's); `recorded` once it committed */
  putWithin(tx: StoreTransaction, records: AcmeRecord[]): void;
  recorded(records: readonly AcmeRecord[]): void;
}

/** 128 random bits, base64url: the ids in every ACME URL, and challenge tokens (RFC 8555 8.1 asks ≥ 128 bits). */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

export class MemoryAcmeState implements AcmeState {
  protected readonly accounts = new Map<string, Account>();
  protected readonly byThumbprint = new Map<string, string>();
  protected readonly orders = new Map<string, Order>();
  protected readonly authzs = new Map<string, Authorization>();
  protected readonly bySerial = new Map<string, string>();

  accountById(id: string): Account | undefined {
    return copy(this.accounts.get(id));
  }
  accountByThumbprint(thumbprint: string): Account | undefined {
    const id = this.byThumbprint.get(thumbprint);
    return id === undefined ? undefined : this.accountById(id);
  }
  order(id: string): Order | undefined {
    return copy(this.orders.get(id));
  }
  authorization(id: string): Authorization | undefined {
    return copy(this.authzs.get(id));
  }
  orderWithSerial(serial: string): Order | undefined {
    const id = this.bySerial.get(serial);
    return id === undefined ? undefined : this.order(id);
  }
  async put(records: AcmeRecord[]): Promise<void> {
    this.recorded(records);
  }

  putWithin(_tx: StoreTransaction, _records: AcmeRecord[]): void {}

  recorded(records: readonly AcmeRecord[]): void {
    for (const record of records) {
      const { kind, ...r } = record;
      if (kind === 'account') {
        // A key change (RFC 8555 7.3.5) leaves the old key with no account.
        const before = this.accounts.get(r.id);
        if (before && before.thumbprint !== (r as Account).thumbprint) this.byThumbprint.delete(before.thumbprint);
        this.accounts.set(r.id, r as Account);
        this.byThumbprint.set((r as Account).thumbprint, r.id);
      } else if (kind === 'order') {
        this.orders.set(r.id, r as Order);
        if ((r as Order).serial !== undefined) this.bySerial.set((r as Order).serial!, r.id);
      }
      else this.authzs.set(r.id, r as Authorization);
    }
  }
}

/** What a use case changes is its own copy until it is put: a failed change leaves nothing behind. */
function copy<T>(v: T | undefined): T | undefined {
  return v === undefined ? undefined : structuredClone(v);
}

export class StoreAcmeState extends MemoryAcmeState {
  private constructor(private readonly store: CaStore) {
    super();
  }

  static async open(store: CaStore): Promise<StoreAcmeState> {
    const state = new StoreAcmeState(store);
    const acme = (await store.readIndex()).acme;
    if (acme) {
      state.recorded([...acme.accounts.map((a) => ({ kind: 'account' as const, ...a })), ...acme.orders.map((o) => ({ kind: 'order' as const, ...o })), ...acme.authorizations.map((a) => ({ kind: 'authz' as const, ...a }))]);
    }
    return state;
  }

  override async put(records: AcmeRecord[]): Promise<void> {
    const clones = records.map((r) => structuredClone(r));
    await this.store.change(async (tx) => this.putWithin(tx, clones));
    // Only once recorded: a change the store refused is not seen by the next request either.
    this.recorded(clones);
  }

  override putWithin(tx: StoreTransaction, records: AcmeRecord[]): void {
    for (const r of records) tx.putAcme(structuredClone(r));
  }
}
