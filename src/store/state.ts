/**
 * The index in memory, with the lookups that keep one issuance independent of how many
 * certificates came before (SPEC "Scale": the 100,000th costs no more than the first): by serial,
 * by name, by public key, by CN. Every change goes through the mutations here, each returning its undo.
 * The query functions of index-file.ts find these lookups for an index that has them.
 */
import { failure } from '../error.js';
import { withAcmeRecord, withoutAcmeRecords, type AcmeRecord, type AcmeRemoval } from './acme-records.js';
import type { Index, IndexEntry, PendingRequest, TokenRecord } from './index-file.js';

type Undo = () => void;

export interface Lookups {
  bySerial: Map<string, IndexEntry>;
  byName: Map<string, IndexEntry[]>;
  byKey: Map<string, IndexEntry[]>;
  /** by the CN of their subject: a token's certificate may not take the CN of one in force */
  byCommonName: Map<string, IndexEntry[]>;
}

const LOOKUPS = new WeakMap<Index, Lookups>();

/** The CN of an index entry, from its recorded subject ("CN=…, OU=…, O=…"). */
export function commonNameOfEntry(entry: IndexEntry): string {
  return /^CN=(.*?)(?:, (?:OU|O|C)=|$)/.exec(entry.subject)?.[1] ?? '';
}

/** The lookups of an index held by an IndexState, if it is one. */
export function lookupsOf(index: Index): Lookups | undefined {
  return LOOKUPS.get(index);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * A copy of an index that the mutations of IndexState cannot reach through: they set the index's
 * own fields and the fields of its entries and tokens (issue, revoke, useToken…), and replace
 * arrays rather than change them, except `certificates`, which they push to. Nothing deeper is
 * ever changed in place, so a copy this deep is enough, and it costs a fraction of a full clone.
 */
export function copyIndex(data: Index): Index {
  return {
    ...data,
    certificates: data.certificates.map((e) => ({ ...e })),
    tokens: data.tokens.map((t) => ({ ...t })),
  };
}

export class IndexState {
  readonly data: Index;
  private readonly lookups: Lookups;

  constructor(data: Index) {
    this.data = data;
    this.lookups = { bySerial: new Map(), byName: new Map(), byKey: new Map(), byCommonName: new Map() };
    for (const e of data.certificates) this.add(e);
    LOOKUPS.set(data, this.lookups);
  }

  private add(e: IndexEntry): void {
    this.lookups.bySerial.set(e.serial, e);
    push(this.lookups.byName, e.name, e);
    if (e.publicKey) push(this.lookups.byKey, e.publicKey, e);
    push(this.lookups.byCommonName, commonNameOfEntry(e), e);
  }

  private remove(e: IndexEntry): void {
    this.lookups.bySerial.delete(e.serial);
    this.lookups.byName.get(e.name)?.pop();
    if (e.publicKey) this.lookups.byKey.get(e.publicKey)?.pop();
    this.lookups.byCommonName.get(commonNameOfEntry(e))?.pop();
  }

  serialTaken(serial: string): boolean {
    return this.lookups.bySerial.has(serial);
  }

  putRequest(request: PendingRequest): Undo {
    const before = this.data.requests;
    this.data.requests = [...before.filter((r) => r.name !== request.name), request];
    return () => {
      this.data.requests = before;
    };
  }

  issue(entry: IndexEntry, keepRequest: boolean): Undo {
    if (this.serialTaken(entry.serial)) throw failure(`serial ${entry.serial} is already in the index`, 'try again');
    const superseded = (this.lookups.byName.get(entry.name) ?? []).filter((e) => e.status === 'valid');
    for (const e of superseded) e.status = 'superseded';
    this.data.certificates.push(entry);
    this.add(entry);
    const requests = this.data.requests;
    if (!keepRequest) this.data.requests = requests.filter((r) => r.name !== entry.name);
    return () => {
      this.data.requests = requests;
      this.remove(entry);
      this.data.certificates.pop();
      for (const e of superseded) e.status = 'valid';
    };
  }

  revoke(serial: string, at: string, reason: string): Undo {
    const e = this.lookups.bySerial.get(serial);
    if (!e) throw failure(`no certificate with serial ${serial} is in the index`);
    const before = { status: e.status, revokedAt: e.revokedAt, revocationReason: e.revocationReason };
    e.status = 'revoked';
    e.revokedAt = at;
    e.revocationReason = reason;
    return () => Object.assign(e, before);
  }

  setCrlNumber(n: number, at: string | undefined): Undo {
    const before = { crlNumber: this.data.crlNumber, crlAt: this.data.crlAt };
    this.data.crlNumber = n;
    if (at !== undefined) this.data.crlAt = at;
    return () => {
      this.data.crlNumber = before.crlNumber;
      if (before.crlAt === undefined) delete this.data.crlAt;
      else this.data.crlAt = before.crlAt;
    };
  }

  /**
   * Takes entries out of the index and its lookups (they have been written to the archive). Only
   * entries that are not their name's current one are ever taken (archive.ts coldEntries).
   */
  archive(cold: IndexEntry[]): void {
    const gone = new Set(cold);
    // Each list is filtered once, however many of its entries go (a name may have hundreds).
    const prune = (map: Map<string, IndexEntry[]>, keys: (string | null)[]) => {
      for (const key of new Set(keys)) {
        const kept = key === null ? undefined : map.get(key)?.filter((e) => !gone.has(e));
        if (kept === undefined) continue;
        if (kept.length > 0) map.set(key!, kept);
        else map.delete(key!);
      }
    };
    for (const e of cold) this.lookups.bySerial.delete(e.serial);
    prune(this.lookups.byName, cold.map((e) => e.name));
    prune(this.lookups.byKey, cold.map((e) => e.publicKey));
    prune(this.lookups.byCommonName, cold.map(commonNameOfEntry));
    this.data.certificates = this.data.certificates.filter((e) => !gone.has(e));
    this.data.archived = (this.data.archived ?? 0) + cold.length;
  }

  putAcme(record: AcmeRecord): Undo {
    const before = this.data.acme;
    this.data.acme = withAcmeRecord(before, record);
    return () => {
      if (before === undefined) delete this.data.acme;
      else this.data.acme = before;
    };
  }

  removeAcme(removal: AcmeRemoval): Undo {
    const before = this.data.acme;
    if (before === undefined) return () => undefined;
    this.data.acme = withoutAcmeRecords(before, removal);
    return () => {
      this.data.acme = before;
    };
  }

  putToken(token: TokenRecord): Undo {
    const before = this.data.tokens;
    this.data.tokens = [...before.filter((t) => t.id !== token.id), token];
    return () => {
      this.data.tokens = before;
    };
  }

  useToken(id: string, at: string): Undo {
    const t = this.token(id);
    const before = { used: t.used, lastUsedAt: t.lastUsedAt };
    t.used += 1;
    t.lastUsedAt = at;
    return () => Object.assign(t, before);
  }

  revokeToken(id: string, at: string): Undo {
    const t = this.token(id);
    const before = t.revokedAt;
    t.revokedAt = at;
    return () => {
      t.revokedAt = before;
    };
  }

  private token(id: string): TokenRecord {
    const t = this.data.tokens.find((x) => x.id === id);
    if (!t) throw failure(`there is no token ${id}`);
    return t;
  }
}
