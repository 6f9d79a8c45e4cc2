/**
 * What the use cases (ca/) need of a store, and nothing of how it keeps things: the directory of
 * files (store.ts) is the first backend. Another one (etcd, for several `ca serve` replicas) would
 * implement these two interfaces and `openStore` would choose it by location; nothing above this
 * layer would change (STYLE.md, "Growing it").
 */
import type { Profile } from '../pki/profile.js';
import type { Index, IndexEntry, PendingRequest, TokenRecord } from './index-file.js';
import type { AcmeRecord, AcmeRemoval } from './acme-records.js';
import type { StoreMeta } from './meta.js';

/** A part of a store, named in messages ("the CA key .ca/ca.key is …"). */
export type StorePart =
  | 'ca certificate'
  | 'ca key'
  | 'chain'
  | 'index'
  | 'crl'
  | 'crl der'
  | { certificate: string }
  | { key: string }
  | { issued: string }
  | { request: string };

/** A certificate recorded as its name's current one (StoreTransaction.issue). */
export interface Issue {
  entry: IndexEntry;
  certPem: string;
  /** a key made for this certificate (encoded as it is to be stored) */
  keyPem?: string | undefined;
  /** the pending request being signed: its key becomes the certificate's */
  request?: PendingRequest | undefined;
  /** the certificate is for the key already in keys/NAME.key (`ca renew` without a new key) */
  keepKey?: boolean;
  /** a pending request of this name stays pending (`ca renew` renews what is in force) */
  keepRequest?: boolean;
  /** the CA's own certificate (`ca renew-ca`): the only one recorded under the name `ca` */
  caItself?: boolean;
}

export interface CaStore {
  readonly meta: StoreMeta;
  /** where a part of the store is, for messages (a path, for the file backend) */
  describe(part: StorePart): string;
  readCaCertificate(): Promise<string>;
  /** the CA key, PEM, checked as keys are (owner, mode, not a link) */
  readCaKey(): Promise<string>;
  /** the certificates above the CA, PEM text, or undefined for a root */
  readChain(): Promise<string | undefined>;
  /** the latest CRL, DER, or undefined when none was written */
  readCrl(): Promise<Buffer | undefined>;
  /**
   * The index: pending requests, tokens, ACME state, and the certificates that are in force or
   * may still matter (each name's current one, anything unexpired, revoked ones until a CRL made
   * after they expired). The rest are archived (archive.ts): found by serial, or listed.
   */
  readIndex(): Promise<Index>;
  /** an archived certificate's entry by serial (normalized lower-case hex) */
  archivedEntry(serial: string): Promise<IndexEntry | undefined>;
  /** every archived entry but those of `index` (a crash may leave an entry in both), a part at a time */
  archivedEntries(index: IndexEntry[]): AsyncIterable<IndexEntry>;
  /** any certificate the index names, PEM */
  certificatePem(entry: IndexEntry): Promise<string>;
  /** the key of NAME's current certificate, PEM */
  readKey(name: string): Promise<string>;
  /** a profile by name: the store's own, else the built-in one */
  loadProfile(name: string): Promise<Profile>;
  /** a change made alone, under the store's lock, committed whole or not at all */
  change<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
}

export interface StoreTransaction {
  /** the index as this change sees it, its own changes included */
  readonly index: Index;
  serialTaken(serial: string): boolean;
  addRequest(request: Omit<PendingRequest, 'id'>, keyPem: string): PendingRequest;
  issue(p: Issue): void;
  revoke(entry: IndexEntry, at: Date, reason: string): void;
  /** the number of the CRL made in this change, and its thisUpdate */
  setCrlNumber(n: number, at: Date): void;
  putToken(token: TokenRecord): void;
  useToken(id: string, at: Date): void;
  revokeToken(id: string, at: Date): void;
  /** an ACME account, order or authorization (`ca serve --acme`), replaced whole by its id */
  putAcme(record: AcmeRecord): void;
  /** ACME orders and authorizations removed by their ids (pruning: acme-records.ts prunableAcme) */
  removeAcme(removal: AcmeRemoval): void;
  /** the CRL, published once the change is committed */
  publishCrl(pem: string, der: Buffer): void;
  /** a copy of an outside request beside the certificate signed from it */
  keepRequestCopy(name: string, pem: string): void;
  /** the certificates above the CA (a renewed intermediate's parent may have changed) */
  setChain(pem: string): void;
}
