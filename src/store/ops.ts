/**
 * The changes a store records, as data. A change is a list of ops: applied to the index in memory
 * as it is made, appended to the journal when it commits, and replayed from the journal when a
 * store is read (journal.ts), so the live path and the replay are the same code. Each op applied
 * gives back its undo, so a change that fails half-way leaves the index as it found it.
 */
import type { IndexEntry, PendingRequest, TokenRecord } from './index-file.js';
import type { AcmeRecord, AcmeRemoval } from './acme-records.js';
import type { IndexState } from './state.js';

export type Op =
  | { op: 'request'; request: PendingRequest }
  /** a certificate in force for its name: the valid one it replaces becomes superseded */
  | { op: 'issue'; entry: IndexEntry; keepRequest?: boolean }
  | { op: 'revoke'; serial: string; at: string; reason: string }
  /** a CRL made: its number and (since the archive) its thisUpdate */
  | { op: 'crl'; number: number; at?: string }
  | { op: 'token'; token: TokenRecord }
  | { op: 'token-use'; id: string; at: string }
  | { op: 'token-revoke'; id: string; at: string }
  /** an ACME account, order or authorization, replaced whole by its id */
  | { op: 'acme'; record: AcmeRecord }
  /** finished or expired ACME orders and authorizations, removed by their ids (pruning) */
  | { op: 'acme-remove'; removal: AcmeRemoval };

type Undo = () => void;

export function applyOp(state: IndexState, op: Op): Undo {
  switch (op.op) {
    case 'request':
      return state.putRequest(op.request);
    case 'issue':
      return state.issue(op.entry, op.keepRequest === true);
    case 'revoke':
      return state.revoke(op.serial, op.at, op.reason);
    case 'crl':
      return state.setCrlNumber(op.number, op.at);
    case 'token':
      return state.putToken(op.token);
    case 'token-use':
      return state.useToken(op.id, op.at);
    case 'token-revoke':
      return state.revokeToken(op.id, op.at);
    case 'acme':
      return state.putAcme(op.record);
    case 'acme-remove':
      return state.removeAcme(op.removal);
  }
}
