/**
 * ACME's state (RFC 8555 7.1): accounts, orders and their authorizations with their challenges,
 * behind `AcmeState`, so the use cases do not know where it is kept. `StoreAcmeState` keeps it in
 * the store (the index's "acme" records, one journal op per change: store/acme-records.ts), so
 * accounts and orders survive a restart; it reads from a copy loaded at start, which this one
 * server keeps current (several replicas on one store would need reads through the store).
 * Finished and expired orders and authorizations are pruned (store/acme-records.ts prunableAcme):
 * at start, and at most once an hour when an order is made.
 */
import { randomBytes } from 'node:crypto';
import { prunableAcme, type AcmeAccountRecord, type AcmeAuthzRecord, type AcmeChallengeRecord, type AcmeIdentifier, type AcmeOrderRecord, type AcmeRecord, type AcmeRemoval } from '../../store/acme-records.js';
import { entryBySerial } from '../../store/index-file.js';
import type { CaStore, StoreTransaction } from '../../store/store.js';

export type Identifier = AcmeIdentifier;
export type Account = AcmeAccountRecord;
export type Challenge = AcmeChallengeRecord;
export type Authorization = AcmeAuthzRecord;
export type Order = AcmeOrderRecord;

/** What a change of ACME state records, and what it answers. */
export interface Decided<T> {
  records: AcmeRecord[];
  value: T;
}

/**
 * The records as a change sees them: what is committed, and what the changes before it in the same
 * commit recorded. A change decides from this, never from a copy read before it began, so two
 * requests at once cannot both act on what the other is changing (a key rollover undone by a
 * contact update, one order finalized twice).
 */
export interface CommittedView {
  account(id: string): Account | undefined;
  accountByThumbprint(thumbprint: string): Account | undefined;
  order(id: string): Order | undefined;
  authorization(id: string): Authorization | undefined;
}

/** An account's orders and pending authorizations being recorded, not yet committed. */
export interface InFlight {
  orders: number;
  authorizations: number;
}

export interface AcmeState {
  accountById(id: string): Account | undefined;
  accountByThumbprint(thumbprint: string): Account | undefined;
  order(id: string): Order | undefined;
  authorization(id: string): Authorization | undefined;
  /** the valid order whose certificate has this serial */
  orderWithSerial(serial: string): Order | undefined;
  /**
   * An account's orders recorded pending, ready or processing, and its authorizations recorded
   * pending (expired ones too, until pruned); and an authorization by id. Not copies, as counting
   * them is on every new order: read them, never change them.
   */
  unfinishedOrders(accountId: string): readonly Readonly<Order>[];
  pendingAuthorizations(accountId: string): readonly Readonly<Authorization>[];
  authorizationView(id: string): Readonly<Authorization> | undefined;
  /** what `put` is recording for the account right now: counted against its caps like the rest */
  inFlight(accountId: string): InFlight;
  /** records the changes, all or none; `check` (in the store's change) may refuse them */
  put(records: AcmeRecord[], check?: (tx: StoreTransaction) => void): Promise<void>;
  /**
   * Records what `decide` returns, all or none, in one change of the store: `decide` reads the
   * records as that change sees them (`now`), may refuse by throwing, and gets the store's
   * transaction (undefined in memory, where there is no store).
   */
  change<T>(decide: (now: CommittedView, tx: StoreTransaction | undefined) => Promise<Decided<T>>): Promise<T>;
  /** removes what prunableAcme says may go at `now`, unless done within PRUNE_EVERY_MS; how many went */
  prune(now: Date): Promise<number>;
}

/** Pruning is looked for at most this often (it reads every record). */
export const PRUNE_EVERY_MS = 3_600_000;

/** 128 random bits, base64url: the ids in every ACME URL, and challenge tokens (RFC 8555 8.1 asks ≥ 128 bits). */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

const UNFINISHED = new Set<Order['status']>(['pending', 'ready', 'processing']);

export class MemoryAcmeState implements AcmeState {
  protected readonly accounts = new Map<string, Account>();
  protected readonly byThumbprint = new Map<string, string>();
  protected readonly orders = new Map<string, Order>();
  protected readonly authzs = new Map<string, Authorization>();
  protected readonly bySerial = new Map<string, string>();
  /** per account: the ids of its unfinished orders, and of its pending authorizations */
  private readonly openOrders = new Map<string, Set<string>>();
  private readonly openAuthzs = new Map<string, Set<string>>();
  protected readonly putting = new Map<string, InFlight>();
  protected lastPrune = -Infinity;

  /** `certificateEnd`: a certificate's notAfter by serial (the store's index; none in memory) */
  constructor(private readonly certificateEnd: (serial: string) => string | undefined = () => undefined) {}

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
  unfinishedOrders(accountId: string): readonly Readonly<Order>[] {
    return [...(this.openOrders.get(accountId) ?? [])].map((id) => this.orders.get(id)!);
  }
  pendingAuthorizations(accountId: string): readonly Readonly<Authorization>[] {
    return [...(this.openAuthzs.get(accountId) ?? [])].map((id) => this.authzs.get(id)!);
  }
  authorizationView(id: string): Readonly<Authorization> | undefined {
    return this.authzs.get(id);
  }
  inFlight(accountId: string): InFlight {
    return { ...(this.putting.get(accountId) ?? { orders: 0, authorizations: 0 }) };
  }
  async put(records: AcmeRecord[]): Promise<void> {
    this.recorded(records);
  }
  async change<T>(decide: (now: CommittedView, tx: StoreTransaction | undefined) => Promise<Decided<T>>): Promise<T> {
    const { records, value } = await decide({ account: (id) => this.accountById(id), accountByThumbprint: (t) => this.accountByThumbprint(t), order: (id) => this.order(id), authorization: (id) => this.authorization(id) }, undefined);
    this.recorded(structuredClone(records));
    return value;
  }

  /** What a committed change recorded, in the view (`open` loads the store's records through it too). */
  protected recorded(records: readonly AcmeRecord[]): void {
    for (const record of records) {
      const { kind, ...r } = record;
      if (kind === 'account') {
        // A key change (RFC 8555 7.3.5) leaves the old key with no account.
        const before = this.accounts.get(r.id);
        if (before && before.thumbprint !== (r as Account).thumbprint) this.byThumbprint.delete(before.thumbprint);
        this.accounts.set(r.id, r as Account);
        this.byThumbprint.set((r as Account).thumbprint, r.id);
      } else if (kind === 'order') {
        const o = r as Order;
        this.orders.set(o.id, o);
        if (o.serial !== undefined) this.bySerial.set(o.serial, o.id);
        mark(this.openOrders, o.accountId, o.id, UNFINISHED.has(o.status));
      } else {
        const a = r as Authorization;
        this.authzs.set(a.id, a);
        mark(this.openAuthzs, a.accountId, a.id, a.status === 'pending');
      }
    }
  }

  async prune(now: Date): Promise<number> {
    if (!this.pruneDue(now)) return 0;
    const records = { accounts: [], orders: [...this.orders.values()], authorizations: [...this.authzs.values()] };
    const removal = prunableAcme(records, now, this.certificateEnd);
    this.forget(removal);
    return removal.orders.length + removal.authorizations.length;
  }

  protected pruneDue(now: Date): boolean {
    if (now.getTime() - this.lastPrune < PRUNE_EVERY_MS) return false;
    this.lastPrune = now.getTime();
    return true;
  }

  /** Drops removed records from every map (once the store removed them). */
  protected forget(removal: AcmeRemoval): void {
    for (const id of removal.orders) {
      const o = this.orders.get(id);
      if (!o) continue;
      this.orders.delete(id);
      if (o.serial !== undefined && this.bySerial.get(o.serial) === id) this.bySerial.delete(o.serial);
      mark(this.openOrders, o.accountId, id, false);
    }
    for (const id of removal.authorizations) {
      const a = this.authzs.get(id);
      if (!a) continue;
      this.authzs.delete(id);
      mark(this.openAuthzs, a.accountId, id, false);
    }
  }
}

/** Adds `id` to `owner`'s set, or takes it out (and the set once empty, so the map stays small). */
function mark(sets: Map<string, Set<string>>, owner: string, id: string, member: boolean): void {
  let set = sets.get(owner);
  if (member) {
    if (!set) sets.set(owner, (set = new Set()));
    set.add(id);
  } else if (set?.delete(id) && set.size === 0) {
    sets.delete(owner);
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

  /** The state as the store holds it, pruned at `now` (a server's start). */
  static async open(store: CaStore, now = new Date()): Promise<StoreAcmeState> {
    const state = new StoreAcmeState(store);
    const acme = (await store.readIndex()).acme;
    if (acme) {
      state.recorded([...acme.accounts.map((a) => ({ kind: 'account' as const, ...a })), ...acme.orders.map((o) => ({ kind: 'order' as const, ...o })), ...acme.authorizations.map((a) => ({ kind: 'authz' as const, ...a }))]);
      await state.prune(now);
    }
    return state;
  }

  override async put(records: AcmeRecord[], check?: (tx: StoreTransaction) => void): Promise<void> {
    const clones = records.map((r) => structuredClone(r));
    // Counted from now, before the first await: a newOrder checks the caps and calls put in one
    // step, so concurrent orders of one account cannot all pass the same check.
    const release = this.reserve(clones);
    try {
      await this.change(async (_now, tx) => {
        check?.(tx!);
        return { records: clones, value: undefined };
      });
    } finally {
      release();
    }
  }

  override async change<T>(decide: (now: CommittedView, tx: StoreTransaction | undefined) => Promise<Decided<T>>): Promise<T> {
    let records: AcmeRecord[] = [];
    const value = await this.store.change(async (tx) => {
      const decided = await decide(committedView(tx), tx);
      records = decided.records;
      this.putWithin(tx, records);
      return decided.value;
    });
    // Only once recorded: a change the store refused is not seen by the next request either.
    this.recorded(structuredClone(records));
    return value;
  }

  private putWithin(tx: StoreTransaction, records: AcmeRecord[]): void {
    for (const r of records) tx.putAcme(structuredClone(r));
  }

  /** Pruned in a change of its own, decided on the index that change sees; nothing written if nothing goes. */
  override async prune(now: Date): Promise<number> {
    if (!this.pruneDue(now)) return 0;
    const removal = await this.store.change(async (tx) => {
      const r = prunableAcme(tx.index.acme, now, (serial) => entryBySerial(tx.index, serial)?.notAfter);
      if (r.orders.length + r.authorizations.length > 0) tx.removeAcme(r);
      return r;
    });
    this.forget(removal);
    return removal.orders.length + removal.authorizations.length;
  }

  private reserve(records: AcmeRecord[]): () => void {
    const added = new Map<string, InFlight>();
    for (const r of records) {
      if (r.kind === 'account') continue;
      const open = r.kind === 'order' ? UNFINISHED.has(r.status) && !this.orders.has(r.id) : r.status === 'pending' && !this.authzs.has(r.id);
      if (!open) continue;
      const n = added.get(r.accountId) ?? { orders: 0, authorizations: 0 };
      if (r.kind === 'order') n.orders += 1;
      else n.authorizations += 1;
      added.set(r.accountId, n);
    }
    const shift = (sign: number) => {
      for (const [id, n] of added) {
        const now = this.putting.get(id) ?? { orders: 0, authorizations: 0 };
        const next = { orders: now.orders + sign * n.orders, authorizations: now.authorizations + sign * n.authorizations };
        if (next.orders === 0 && next.authorizations === 0) this.putting.delete(id);
        else this.putting.set(id, next);
      }
    };
    shift(1);
    return () => shift(-1);
  }
}

/** The ACME records of the index as `tx` sees it, copied (a decision changes its own copy). */
function committedView(tx: StoreTransaction): CommittedView {
  const find = <T extends { id: string }>(list: T[] | undefined, id: string) => copy(list?.find((r) => r.id === id));
  return {
    account: (id) => find(tx.index.acme?.accounts, id),
    accountByThumbprint: (t) => copy(tx.index.acme?.accounts.find((a) => a.thumbprint === t)),
    order: (id) => find(tx.index.acme?.orders, id),
    authorization: (id) => find(tx.index.acme?.authorizations, id),
  };
}
