/**
 * The index on disk: a snapshot (index.json) and a journal of the changes since (journal.jsonl),
 * one JSON line per committed change (SPEC "Scale": the index is appended, not rewritten). A commit
 * appends its line and fsyncs it: that is the commit point. Reading is the snapshot, then every
 * line whose sequence number follows it. A line cut short by a crash (no newline) was never
 * committed: it is ignored, and cut off by the next writer, which holds the lock.
 *
 * Once the journal is long enough (dueForCompaction: about a quarter of the index), the next commit
 * writes a new snapshot (atomically, with the last sequence number it holds) and then empties the
 * journal; a crash in between leaves lines the snapshot already holds, which reading skips. So a
 * commit costs the same whatever the size of the index, and compaction is paid for a line at a time.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open, truncate } from 'node:fs/promises';
import { validateAcmeRecord, validateAcmeRemoval } from './acme-records.js';
import { dirname } from 'node:path';
import { failure } from '../error.js';
import { dataSyncFd, readRef, syncDirectory, writeAll, writeAtomic, type FileRef } from './file.js';
import {
  parseIndex,
  serializeIndex,
  validateActions,
  validateCount,
  validateDate,
  validateEntry,
  validateReason,
  validateRequest,
  validateSerial,
  validateToken,
  validateTokenId,
  type ApplyAction,
  type Index,
} from './index-file.js';
import type { Op } from './ops.js';

export interface JournalRecord {
  seq: number;
  ops: Op[];
  applying: ApplyAction[];
}

export interface JournalTail {
  records: JournalRecord[];
  /** the offset just after the last whole line */
  end: number;
  /** bytes after it: a line a crash cut short */
  torn: boolean;
}

/** How much the journal holds past the snapshot: its lines, and the changes (ops) in them. */
export interface JournalSize {
  lines: number;
  ops: number;
}

export function sizeOf(records: JournalRecord[]): JournalSize {
  return { lines: records.length, ops: records.reduce((n, r) => n + r.ops.length, 0) };
}

/**
 * Whether the journal has grown enough to be folded into a new snapshot: when its lines, or the
 * changes in them, reach a quarter of the snapshot's entries, and at least a floor. A command
 * reads the whole journal, whose entries are checked one by one (~10 µs each in a new process),
 * where a sealed snapshot's are not; a compaction writes the whole snapshot under the lock,
 * stalling `ca serve`'s commits. One change a line (the command line) compacts after 1,000; a
 * server's lines hold batches, and compacting it every 1,000 changes took ECDSA issuance from ~730
 * to ~520 requests/s, so its changes count against a floor of 8,000 (its lines reach 1,000 there).
 */
export function dueForCompaction(size: JournalSize, entries: number): boolean {
  const quarter = Math.floor(entries / 4);
  return size.lines >= Math.max(1000, quarter) || size.ops >= Math.max(8000, quarter);
}

/** The journal's lines from byte `offset` on, validated; a cut-short last line is reported, not read. */
export async function readJournal(ref: FileRef, offset = 0): Promise<JournalTail> {
  // Read with synchronous calls, as the commit's writes are (file.ts): a server reads the tail at
  // every group commit, and each awaited call would wait behind the other requests' work.
  let fd: number;
  try {
    fd = openSync(ref.path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], end: 0, torn: false };
    throw err;
  }
  let bytes: Buffer;
  try {
    const size = fstatSync(fd).size;
    if (size < offset) return { records: [], end: -1, torn: false }; // emptied by a compaction
    // Only what follows `offset` is read: a long-running reader pays for new lines, not old ones.
    bytes = Buffer.alloc(size - offset);
    let read = 0;
    while (read < bytes.length) {
      const bytesRead = readSync(fd, bytes, read, bytes.length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    bytes = bytes.subarray(0, read);
  } finally {
    closeSync(fd);
  }
  const last = bytes.lastIndexOf(0x0a);
  const text = bytes.subarray(0, last + 1).toString('utf8');
  const records: JournalRecord[] = [];
  let at = offset;
  for (const line of text === '' ? [] : text.slice(0, -1).split('\n')) {
    records.push(parseRecord(line, `the line at byte ${at}`, ref.path));
    at += Buffer.byteLength(line) + 1;
  }
  return { records, end: offset + last + 1, torn: last + 1 < bytes.length };
}

function parseRecord(line: string, where: string, path: string): JournalRecord {
  const damaged = (why: string) => failure(`the journal ${path} is damaged: ${where} ${why}`, 'restore the store from a backup; nothing was changed');
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(line) as Record<string, unknown>;
  } catch (err) {
    throw damaged(`is not JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || !Array.isArray(data.ops)) throw damaged('is not a journal record');
  const seq = validateCount(data.seq, `${where} "seq"`, path);
  const ops = data.ops.map((raw, i) => parseOp(raw as Record<string, unknown>, `${where}, change #${i + 1}`, path));
  return { seq, ops, applying: validateActions(data.applying ?? [], `${where} "applying"`, path) };
}

function parseOp(o: Record<string, unknown>, where: string, path: string): Op {
  switch (o?.op) {
    case 'request':
      return { op: 'request', request: validateRequest(o.request, where, path) };
    case 'issue':
      return { op: 'issue', entry: validateEntry(o.entry, where, path), keepRequest: o.keepRequest === true };
    case 'revoke':
      return { op: 'revoke', serial: validateSerial(o.serial, where, path), at: validateDate(o.at, where, path), reason: validateReason(o.reason, where, path) };
    case 'crl':
      return { op: 'crl', number: validateCount(o.number, where, path), ...(o.at === undefined ? {} : { at: validateDate(o.at, where, path) }) };
    case 'token':
      return { op: 'token', token: validateToken(o.token, where, path) };
    case 'token-use':
    case 'token-revoke':
      return { op: o.op, id: validateTokenId(o.id, where, path), at: validateDate(o.at, where, path) };
    case 'acme':
      return { op: 'acme', record: validateAcmeRecord(o.record, where, path) };
    case 'acme-remove':
      return { op: 'acme-remove', removal: validateAcmeRemoval(o.removal, where, path) };
    default:
      throw failure(`the journal ${path} is damaged: ${where} is of no known kind (${JSON.stringify(o?.op)})`, 'restore the store from a backup; nothing was changed');
  }
}

/** Appends one committed change and makes it durable before returning. */
export async function appendRecord(ref: FileRef, record: JournalRecord): Promise<number> {
  const line = Buffer.from(`${JSON.stringify(record)}\n`);
  const fd = openSync(ref.path, 'a', ref.mode);
  try {
    writeAll(fd, line);
    await dataSyncFd(fd);
  } finally {
    closeSync(fd);
  }
  return line.length;
}

/** Cuts off a line a crash left half-written (only under the lock, where no one else writes). */
export async function cutTornLine(ref: FileRef, end: number): Promise<void> {
  await truncate(ref.path, end);
}

/** Folds the journal into a new snapshot, then empties the journal. */
export async function compact(snapshot: FileRef, journal: FileRef, index: Index): Promise<void> {
  await writeAtomic(snapshot, serializeIndex(index), { overwrite: true });
  const handle = await open(journal.path, 'r+');
  try {
    await handle.truncate(0);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await syncDirectory(dirname(journal.path));
}

/** The snapshot, parsed and validated. */
export async function readSnapshot(ref: FileRef): Promise<Index> {
  return parseIndex(await readRef(ref), ref.path);
}

/** What identifies a snapshot file, to notice that another process compacted. */
export async function fileIdentity(ref: FileRef): Promise<string> {
  const s = statSync(ref.path, { throwIfNoEntry: false });
  return s ? `${s.ino}:${s.size}:${s.mtimeMs}` : 'none';
}
