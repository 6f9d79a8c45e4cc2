/**
 * How changes reach the disk: the index in memory, kept in step with the journal, and group
 * commit. Changes asked for while a commit is under way wait for it and then run together: one
 * lock, one journal append, one fsync for all of them (SPEC "Scale": concurrent requests share
 * their fsyncs). Each change runs alone on the index, in order, and one that fails is undone
 * without touching the others. Another process's changes (a `ca revoke` beside `ca serve`) are
 * read from the journal, a line at a time, when the lock is taken.
 */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_SUFFIX, writeAllAtomic, writeAtomic } from './file.js';
import { INDEX_VERSION, serializeIndex, type ApplyAction, type Index } from './index-file.js';
import { appendRecord, compact, cutTornLine, dueForCompaction, fileIdentity, readJournal, readSnapshot, sizeOf, type JournalRecord, type JournalSize } from './journal.js';
import { TEMP_DIRS, type Layout } from './layout.js';
import { isAbandonedLockTemp, withLock } from './lock.js';
import { applyOp } from './ops.js';
import { Archive, coldEntries } from './archive.js';
import { IndexState, copyIndex } from './state.js';
import { Transaction, applyActions, removeOrphanKeys } from './transaction.js';
import { upgradeIndex } from './upgrade.js';

/** The index as the snapshot and the journal after it make it, and where the journal was read to. */
interface Whole {
  state: IndexState;
  /** the end of the last whole line of the journal */
  offset: number;
  torn: boolean;
  /** the journal's lines and changes, for compaction */
  size: JournalSize;
  lastSeq: number;
  applying: ApplyAction[];
}

async function readWhole(files: Layout, snapshot: Index): Promise<Whole> {
  const state = new IndexState(snapshot);
  const journal = await readJournal(files.journal);
  const fresh = journal.records.filter((r) => r.seq > snapshot.seq);
  for (const record of fresh) replay(state, record);
  const last = fresh.at(-1);
  const applying = last ? last.applying : snapshot.applying;
  return { state, offset: journal.end, torn: journal.torn, size: sizeOf(journal.records), lastSeq: last?.seq ?? snapshot.seq, applying };
}

interface Waiting {
  fn: (tx: Transaction) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class Committer {
  private state: IndexState | undefined;
  private snapshotId = '';
  private offset = 0;
  /** the journal file's lines and changes, for compaction */
  private size: JournalSize = { lines: 0, ops: 0 };
  /** the sequence number of the last change committed */
  private lastSeq = 0;
  private applying: ApplyAction[] = [];
  private cleaned = false;
  /**
   * What read() found without the lock, for the first change to start from (read() then change()
   * is how most commands go): under the lock only what the journal gained since is read.
   */
  private seed: (Whole & { snapshotId: string }) | undefined;
  private readonly queue: Waiting[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly files: Layout) {}

  change<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.kick();
    });
  }

  /** The index as it stands on disk (without the lock): the snapshot and the journal after it. */
  async read(): Promise<Index> {
    const snapshotId = await fileIdentity(this.files.index);
    const snapshot = await readSnapshot(this.files.index);
    if (snapshot.version !== INDEX_VERSION) return this.change(async (tx) => tx.index);
    const whole = await readWhole(this.files, snapshot);
    // The same snapshot from start to end (compaction replaces it), and no index of our own yet.
    if (!this.state && (await fileIdentity(this.files.index)) === snapshotId) this.seed = { ...whole, snapshotId };
    return whole.state.data;
  }

  private kick(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = this.runBatch().finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private async runBatch(): Promise<void> {
    const batch = this.queue.splice(0);
    const settled: (() => void)[] = [];
    try {
      await withLock(this.files.dir, async () => {
        const state = await this.prepare();
        const done: Transaction[] = [];
        for (const item of batch) {
          const tx = new Transaction(this.files, state);
          try {
            const value = await item.fn(tx);
            done.push(tx);
            settled.push(() => item.resolve(value));
          } catch (err) {
            tx.rollback();
            settled.push(() => item.reject(err));
          }
        }
        try {
          await this.commit(state, done);
        } catch (err) {
          // What is in memory may be ahead of the disk: read it again next time.
          for (const tx of done.reverse()) tx.rollback();
          this.state = undefined;
          throw err;
        }
      });
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    for (const settle of settled) settle();
  }

  /** Under the lock: the index in step with the disk, and what a dead writer left finished or removed. */
  private async prepare(): Promise<IndexState> {
    if (!this.cleaned) {
      await this.removeTemporaryFiles();
      this.cleaned = true;
    }
    const id = await fileIdentity(this.files.index);
    const adopted = this.adoptSeed();
    // Another process compacted since (what read() found, too): the whole index again.
    if (!this.state || id !== this.snapshotId) return this.load();
    const tail = await readJournal(this.files.journal, this.offset);
    if (tail.end < 0) return this.load(); // another process compacted
    if (tail.records.length > 0) {
      for (const record of tail.records) replay(this.state, record);
      const more = sizeOf(tail.records);
      this.size = { lines: this.size.lines + more.lines, ops: this.size.ops + more.ops };
      this.lastSeq = tail.records.at(-1)!.seq;
      this.applying = tail.records.at(-1)!.applying;
    }
    // As load() does: the first time the lock is held, whatever the last writer left is finished.
    if (tail.records.length > 0 || adopted) {
      await applyActions(this.files, this.state.data, this.applying);
      await removeOrphanKeys(this.files, this.state.data, this.applying);
    }
    if (tail.torn) await cutTornLine(this.files.journal, tail.end);
    this.offset = tail.end;
    return this.state;
  }

  /**
   * Starts from what read() found, when there is nothing in memory yet: a copy, as the reader
   * keeps what read() gave it and must not see the changes made here.
   */
  private adoptSeed(): boolean {
    const seed = this.seed;
    this.seed = undefined;
    if (!seed || this.state) return false;
    this.take({ ...seed, state: new IndexState(copyIndex(seed.state.data)) }, seed.snapshotId);
    return true;
  }

  private async load(): Promise<IndexState> {
    let snapshot = await readSnapshot(this.files.index);
    if (snapshot.version !== INDEX_VERSION) {
      snapshot = await upgradeIndex(this.files, snapshot);
      await writeAtomic(this.files.index, serializeIndex(snapshot), { overwrite: true });
    }
    const whole = await readWhole(this.files, snapshot);
    if (whole.torn) await cutTornLine(this.files.journal, whole.offset);
    this.take(whole, await fileIdentity(this.files.index));
    await applyActions(this.files, whole.state.data, this.applying);
    await removeOrphanKeys(this.files, whole.state.data, this.applying);
    return whole.state;
  }

  private take(whole: Whole, snapshotId: string): void {
    this.state = whole.state;
    this.snapshotId = snapshotId;
    this.offset = whole.offset;
    this.size = whole.size;
    this.lastSeq = whole.lastSeq;
    this.applying = whole.applying;
  }

  private async commit(state: IndexState, done: Transaction[]): Promise<void> {
    const ops = done.flatMap((tx) => tx.ops);
    await writeAllAtomic(done.flatMap((tx) => tx.newFiles));
    if (ops.length > 0) {
      const applying = done.flatMap((tx) => tx.actions);
      const record: JournalRecord = { seq: this.lastSeq + 1, ops, applying };
      this.offset += await appendRecord(this.files.journal, record);
      this.size = { lines: this.size.lines + 1, ops: this.size.ops + ops.length };
      this.lastSeq = record.seq;
      this.applying = applying;
      await applyActions(this.files, state.data, applying);
      if (dueForCompaction(this.size, state.data.certificates.length)) await this.compact(state, record.seq);
    }
    // A later change's copy of the same file wins: only the last of each path is written.
    const derived = new Map(done.flatMap((tx) => tx.derived).map((f) => [f.ref.path, { ...f, overwrite: true }]));
    await writeAllAtomic([...derived.values()]);
  }

  /**
   * A new snapshot without the entries that need nothing hot any more: they are in the archive,
   * durably, first (archive.ts), so a crash in between leaves them in both, never in neither.
   */
  private async compact(state: IndexState, seq: number): Promise<void> {
    const cold = coldEntries(state.data, new Date());
    if (cold.length > 0) {
      await new Archive(this.files).add(cold);
      state.archive(cold);
    }
    state.data.seq = seq;
    state.data.applying = this.applying;
    await compact(this.files.index, this.files.journal, state.data);
    this.snapshotId = await fileIdentity(this.files.index);
    this.offset = 0;
    this.size = { lines: 0, ops: 0 };
  }

  /**
   * Temporary files found once the lock is held belong to a writer that died (every write happens
   * under the lock); so do lock temporaries whose owner is dead. Looked for once per process: the
   * store's directories may hold many files, and a writer dying beside a long-running process
   * leaves them for the next command.
   */
  private async removeTemporaryFiles(): Promise<void> {
    await Promise.all(
      TEMP_DIRS.map(async (sub) => {
        const dir = join(this.files.dir, sub);
        const names = await readdir(dir).catch(() => [] as string[]);
        for (const name of names) {
          const abandoned = (name.startsWith('.') && name.endsWith(TEMP_SUFFIX)) || isAbandonedLockTemp(name);
          if (abandoned) await unlink(join(dir, name)).catch(() => undefined);
        }
      }),
    );
  }
}

function replay(state: IndexState, record: JournalRecord): void {
  for (const op of record.ops) applyOp(state, op);
}

