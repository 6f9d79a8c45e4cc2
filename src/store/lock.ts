/**
 * The store's exclusive lock: a file `lock` created with O_EXCL that holds the owner's pid and host.
 * Every command that changes the store holds it for the whole change, so concurrent commands queue
 * up instead of racing on index.json or serials (SPEC "Store").
 *
 * A process killed while holding it leaves the file behind. Such a lock is stale when its owner is
 * on this host and no longer alive; it is broken under a second, short-lived lock (`lock.break`),
 * so two waiters cannot both remove it and one of them delete the other's fresh lock.
 *
 * Taken and released with synchronous calls (none of them waits for the disk): `ca serve` takes it
 * for every group commit, and each awaited call would wait behind the other requests' work.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { closeSync, constants, linkSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { failure } from '../error.js';
import { writeAll } from './file.js';
import { isStalePid } from './process.js';

export interface LockOptions {
  /** how long to wait for another command to finish */
  timeoutMs?: number;
}

const HOST = hostname();

/** What a lock file holds: its owner (pid, host) and a nonce that tells two owners apart. */
function ownerToken(): string {
  return `${process.pid} ${HOST} ${randomBytes(8).toString('hex')}\n`;
}

export async function withLock<T>(dir: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await acquire(join(dir, 'lock'), options.timeoutMs ?? 60_000);
  try {
    return await fn();
  } finally {
    await release();
  }
}

async function acquire(path: string, timeoutMs: number): Promise<() => Promise<void>> {
  const token = ownerToken();
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (create(path, token)) {
      return async () => {
        // Remove only our own lock: if it was broken as stale (we were paused for long), the file
        // may now be another process's.
        if (contentOf(path) === token) removeQuietly(path);
      };
    }
    const holder = contentOf(path);
    if (holder && isStale(holder)) {
      await breakStale(path, holder);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      const pid = holder.split(' ')[0] || 'unknown';
      throw failure(
        `the store is locked by another ca command (pid ${pid})`,
        `wait for it to finish; if no ca command is running, remove ${path}`,
      );
    }
    await sleep(Math.min(5 + attempt * 5, 50) + Math.random() * 10);
  }
}

/**
 * Creates `path` holding `content`, or returns false if it exists. The content is written to a
 * temporary file first and hard-linked into place (link(2) fails atomically if the name is taken),
 * so a lock file always names its owner: a process killed between creating the file and writing
 * it cannot leave an empty lock that no one can judge. The temporary is written outside the lock,
 * so it carries its owner's pid (`lock.<pid>.<random>`): only a dead owner's is removed
 * (`isAbandonedLockTemp`).
 */
function create(path: string, content: string): boolean {
  const temp = join(dirname(path), `${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeAll(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    removeQuietly(temp);
  }
}

/** The lock file's content, or '' when there is none (released meanwhile). */
function contentOf(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

const LOCK_TEMP = /^lock(?:\.break)?\.(\d+)\.[0-9a-f]{12}$/;

/** A lock temporary (see create) whose owner is dead. */
export function isAbandonedLockTemp(name: string): boolean {
  const m = LOCK_TEMP.exec(name);
  return m !== null && isStalePid(Number(m[1]));
}

/** A holder written by a process of this host that is gone. Another host's lock is never guessed at. */
function isStale(content: string): boolean {
  const [pidText, host] = content.trim().split(' ');
  return host === HOST && isStalePid(Number(pidText));
}

async function breakStale(path: string, seen: string): Promise<void> {
  const guard = `${path}.break`;
  if (!create(guard, ownerToken())) {
    const holder = contentOf(guard);
    if (holder && isStale(holder)) removeQuietly(guard);
    await sleep(5);
    return;
  }
  try {
    // Still the same dead holder? Then nobody has replaced it since we looked.
    if (contentOf(path) === seen) removeQuietly(path);
  } finally {
    removeQuietly(guard);
  }
}
