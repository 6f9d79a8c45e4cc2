/** `ca list`, `ca show`, `ca chain`, `ca status`: reading the store, never changing it. */
import { failure, missing } from '../error.js';
import { describeCertificate, type CertificateDescription } from '../pki/describe.js';
import { currentEntries, entryBySerial, normalizeSerial, requireEntry, type Index, type IndexEntry, type PendingRequest } from '../store/index-file.js';
import { openStore } from '../store/store.js';
import { readChain } from './chain.js';
import { daysLeft, stateOf, type State } from './state.js';

export type Listed = (IndexEntry & { state: State }) | (PendingRequest & { status: 'pending'; state: 'pending' });

export interface Listing {
  /** certificates moved to the archive (expired long enough ago), read a part at a time */
  archived: AsyncIterable<Listed>;
  /** the certificates of the index, then the pending requests */
  recent: Listed[];
}

/**
 * Every certificate issued (superseded ones included) and every pending request: the archived
 * ones first (read as they are listed, so a store of a million certificates is never held whole).
 */
export async function listCertificates(req: { storeDir: string; now: Date; withinDays?: number }): Promise<Listing> {
  const store = await openStore(req.storeDir);
  const index = await store.readIndex();
  const listed = (e: IndexEntry): Listed => ({ ...e, state: stateOf(e, req.now, req.withinDays) });
  async function* archived(): AsyncGenerator<Listed> {
    for await (const e of store.archivedEntries(index.certificates)) yield listed(e);
  }
  return {
    archived: archived(),
    recent: [...index.certificates.map(listed), ...index.requests.map((r) => ({ ...r, status: 'pending' as const, state: 'pending' as const }))],
  };
}

export interface Shown {
  entry: IndexEntry & { state: State };
  pem: string;
  description: CertificateDescription;
}

/** A certificate by NAME (its current one; `ca` is the CA's own) or by serial (any ever issued). */
export async function showCertificate(req: { storeDir: string; name?: string | undefined; serial?: string | undefined; now: Date }): Promise<Shown> {
  const store = await openStore(req.storeDir);
  const index = await store.readIndex();
  let entry: IndexEntry;
  if (req.serial !== undefined) {
    const serial = normalizeSerial(req.serial);
    const found = entryBySerial(index, req.serial) ?? (serial === undefined ? undefined : await store.archivedEntry(serial));
    if (!found) throw missing(`no certificate with serial ${req.serial} was issued by this CA`, 'run `ca list --json` to see every serial');
    entry = found;
  } else {
    entry = requireEntry(index, req.name ?? '');
  }
  const pem = await store.certificatePem(entry);
  return { entry: { ...entry, state: stateOf(entry, req.now) }, pem, description: describeCertificate(pem, req.now, `certificate ${entry.serial}`) };
}

/** TLS order (RFC 8446 4.4.2): the certificate, then each CA above it, the root last. */
export async function certificateChain(req: { storeDir: string; name: string; now: Date }): Promise<string> {
  const shown = await showCertificate(req);
  const chain = await readChain(await openStore(req.storeDir));
  const above = req.name === 'ca' ? chain.above : [chain.ca, ...chain.above];
  return [shown.pem, ...above].join('');
}

export interface StatusReport {
  ca: { notAfter: string; daysLeft: number; state: State };
  /** current certificates expired or expiring within the window, soonest first */
  attention: { name: string; profile: string; notAfter: string; daysLeft: number; state: State }[];
  withinDays: number;
  ok: boolean;
}

export async function statusReport(req: { storeDir: string; now: Date; withinDays: number }): Promise<StatusReport> {
  const store = await openStore(req.storeDir);
  const index = await store.readIndex();
  const current = currentEntries(index);
  const caEntry = current.find((e) => e.name === 'ca');
  if (!caEntry) throw failure(`the index ${store.describe('index')} has no entry for the CA`, 'restore it from a backup');
  const ca = { notAfter: caEntry.notAfter, daysLeft: daysLeft(caEntry, req.now), state: stateOf(caEntry, req.now, req.withinDays) };
  const attention = needingAttention(index, req.now, req.withinDays);
  return { ca, attention, withinDays: req.withinDays, ok: ca.state === 'valid' && attention.length === 0 };
}

/** Current certificates (the CA's aside) expired or expiring within the window, soonest first. */
export function needingAttention(index: Index, now: Date, withinDays: number): StatusReport['attention'] {
  return currentEntries(index)
    .filter((e) => e.name !== 'ca')
    .map((e) => ({ name: e.name, profile: e.profile, notAfter: e.notAfter, daysLeft: daysLeft(e, now), state: stateOf(e, now, withinDays) }))
    .filter((e) => e.state === 'expired' || e.state === 'expiring')
    .sort((a, b) => a.notAfter.localeCompare(b.notAfter));
}
