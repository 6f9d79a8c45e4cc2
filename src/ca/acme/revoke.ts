/**
 * revokeCert (RFC 8555 7.6): a certificate this CA issued, revoked by the account whose order it
 * was issued for, or by a request signed with the certificate's own key. The revocation is the one
 * `ca revoke` and `POST /v1/revoke` make (ca/revoke.ts): index, CRL, audit log.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { REVOCATION_REASONS } from '../../pki/crl.js';
import { entryBySerial, type IndexEntry } from '../../store/index-file.js';
import { DEFAULT_CRL_DAYS, revokeIn, type RevokeResult } from '../revoke.js';
import type { Acme } from './context.js';
import { AcmeRefusal } from './refusal.js';
import type { Account } from './state.js';

/** The reasons an ACME client may give (Boulder's: no cACompromise, certificateHold, removeFromCRL, aACompromise). */
const ACME_REASONS = new Set([0, 1, 3, 4, 5, 9]);

export interface RevokeAsk {
  certificate: Buffer;
  reason: unknown;
  /** signed with kid: the account; with jwk: the key that signed */
  by: { account: Account } | { key: KeyObject };
  now: Date;
}

export async function revokeByAcme(acme: Acme, ask: RevokeAsk): Promise<{ result: RevokeResult; entry: IndexEntry }> {
  const reason = reasonOf(ask.reason);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(ask.certificate);
  } catch {
    throw new AcmeRefusal('malformed', '"certificate" is not a DER certificate');
  }
  const entry = await acme.service.store.change(async (tx) => entryBySerial(tx.index, cert.serialNumber));
  if (!entry || entry.fingerprint !== cert.fingerprint256 || entry.name === 'ca') throw new AcmeRefusal('malformed', 'this certificate was not issued by this CA', 404);
  if (entry.status === 'revoked') throw new AcmeRefusal('alreadyRevoked', `the certificate ${entry.serial} is already revoked`);
  if ('account' in ask.by) {
    const order = acme.state.orderWithSerial(entry.serial);
    if (!order || order.accountId !== ask.by.account.id) throw new AcmeRefusal('unauthorized', 'this account did not order this certificate; sign with the certificate\'s key, or revoke with `ca revoke`');
  } else if (!cert.publicKey.equals(ask.by.key)) {
    throw new AcmeRefusal('unauthorized', 'the request is signed neither by an account nor by the certificate\'s key');
  }
  const result = await revokeIn(acme.service.store, acme.service.authority, { target: { serial: entry.serial }, reason, crlDays: DEFAULT_CRL_DAYS, now: ask.now });
  return { result, entry };
}

function reasonOf(raw: unknown): string {
  if (raw === undefined) return 'unspecified';
  const name = Object.keys(REVOCATION_REASONS).find((r) => REVOCATION_REASONS[r] === raw);
  if (typeof raw !== 'number' || !name || !ACME_REASONS.has(raw)) throw new AcmeRefusal('badRevocationReason', `reason ${JSON.stringify(raw)} is not taken; use 0, 1, 3, 4, 5 or 9 (RFC 5280 5.3.1)`);
  return name;
}
