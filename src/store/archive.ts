/**
 * The archive: index entries of certificates that need nothing hot any more, moved out of the
 * index when it is compacted (committer.ts), so that what a store holds in memory, and what every
 * command reads, is what is in force — not every certificate ever issued. A cluster that renews
 * 24-hour certificates for 5,000 nodes issues a million in half a year; nearly all of them expired.
 *
 * An entry is archived once it is expired, is not its name's current certificate (`ca show NAME`
 * and renewal always find that one in the index), is not the CA's own, and, when revoked, a CRL
 * was made after it expired: RFC 5280 3.3 lets an entry leave the CRL once it has appeared on one
 * CRL issued beyond the certificate's validity period. Its certificate stays in issued/<serial>.crt.
 *
 * archive/<hh>.jsonl holds the entries whose serial ends in the hex digits hh (256 shards, so that
 * finding one serial reads 1/256th of the archive), one JSON line each, appended and fsynced
 * before the snapshot that no longer holds them is written. A crash in between leaves an entry in
 * both: reading skips archive lines whose serial the index still has, and a shard's repeated serial
 * counts once. A line cut short by a crash (no newline) is skipped and, being last, is cut off by
 * the next append.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { failure } from '../error.js';
import { makePrivateDirectory, syncDirectory, syncFd, writeAll } from './file.js';
import { currentEntry, validateEntry, type Index, type IndexEntry } from './index-file.js';
import type { Layout } from './layout.js';

/** Every shard's name, in the order `ca list` reads them. */
const SHARDS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function shardOf(serial: string): string {
  return serial.slice(-2);
}

/** The entries that need nothing hot any more (see above), as of `now`. */
export function coldEntries(index: Index, now: Date): IndexEntry[] {
  const t = now.getTime();
  const crlAt = index.crlAt === undefined ? -Infinity : Date.parse(index.crlAt);
  return index.certificates.filter((e) => {
    const end = Date.parse(e.notAfter);
    if (e.name === 'ca' || end >= t) return false;
    if (e.status === 'revoked' && end >= crlAt) return false;
    return currentEntry(index, e.name) !== e;
  });
}

export class Archive {
  constructor(private readonly files: Layout) {}

  /** Appends entries to their shards and makes them durable (before the snapshot drops them). */
  async add(entries: IndexEntry[]): Promise<void> {
    const byShard = new Map<string, IndexEntry[]>();
    for (const e of entries) {
      const list = byShard.get(shardOf(e.serial));
      if (list) list.push(e);
      else byShard.set(shardOf(e.serial), [e]);
    }
    const dir = dirname(this.files.archiveShard('00').path);
    await makePrivateDirectory(dir);
    let created = false;
    // The shards' fsyncs run at once: the file system commits concurrent fsyncs together.
    await Promise.all(
      [...byShard].map(async ([shard, list]) => {
        const ref = this.files.archiveShard(shard);
        const fd = openSync(ref.path, 'a+', ref.mode);
        try {
          const size = fstatSync(fd).size;
          if (size === 0) created = true;
          else cutTornTail(fd, size);
          writeAll(fd, list.map((e) => `${JSON.stringify(e)}\n`).join(''));
          await syncFd(fd);
        } finally {
          closeSync(fd);
        }
      }),
    );
    if (created) await syncDirectory(dir);
  }

  /** The archived entry of a serial (normalized lower-case hex), if there is one. */
  find(serial: string): IndexEntry | undefined {
    const path = this.files.archiveShard(shardOf(serial.padStart(2, '0'))).path;
    const text = readShard(path);
    // Only the lines that name the serial are parsed: a shard of a million-certificate store holds
    // thousands of entries.
    const needle = `"serial":"${serial}"`;
    let found: IndexEntry | undefined;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) {
      const start = text.lastIndexOf('\n', at) + 1;
      const end = text.indexOf('\n', at);
      if (end < 0) break; // a line a crash cut short
      found = parseLine(text.slice(start, end), path, start);
    }
    return found;
  }

  /**
   * Every archived entry, a shard at a time (so memory holds one shard), skipping those the index
   * still holds (`inIndex`).
   */
  async *entries(inIndex: (serial: string) => boolean): AsyncGenerator<IndexEntry> {
    for (const shard of SHARDS) {
      const path = this.files.archiveShard(shard).path;
      const text = readShard(path);
      const seen = new Set<string>();
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
        const entry = parseLine(text.slice(start, end), path, start);
        if (seen.has(entry.serial) || inIndex(entry.serial)) continue;
        seen.add(entry.serial);
        yield entry;
      }
    }
  }
}

function readShard(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

function parseLine(line: string, path: string, at: number): IndexEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw failure(`the archive ${path} is damaged: the line at offset ${at} is not JSON (${(err as Error).message})`, 'restore the store from a backup; nothing was changed');
  }
  return validateEntry(raw, `the line at offset ${at}`, path);
}

/**
 * Cuts a last line that a crash left without its newline (under the lock: no one else writes).
 * Reads the last byte, and only when it is not a newline reads back to the one before: a shard
 * grows with the archive, and this runs at every compaction.
 */
function cutTornTail(fd: number, size: number): void {
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return;
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    readSync(fd, chunk, 0, end - start, start);
    const at = chunk.subarray(0, end - start).lastIndexOf(0x0a);
    if (at >= 0) return ftruncateSync(fd, start + at + 1);
    end = start;
  }
  ftruncateSync(fd, 0);
}
