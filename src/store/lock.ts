/**
 * The store's exclusive lock: a file `lock` created with O_EXCL that holds the owner's pid and host.
 * Every command that changes the store holds it for the whole change, so concurrent commands queue
 * up instead of racing on index.json or serials (SPEC "Store").
 *
 * A process killed while holding it leaves the file behind. Such a lock is stale when its owner is
 * on this host and no longer alive; it is broken under a second, short-lived lock (`lock.break`),
 * so two waiters cannot both remove it and one of them delete the other's fresh lock.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { open, readFile, unlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { failure } from '../error.js';
import { isStalePid } from './process.js';

export interface LockOptions {
  /** how long to wait for another command to finish */
  timeoutMs?: number;
}

const HOST = hostname();

export async function withLock<T>(dir: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await acquire(join(dir, 'lock'), options.timeoutMs ?? 60_000);
  try {
    return await fn();
  } finally {
    await release();
  }
}

async function acquire(path: string, timeoutMs: number): Promise<() => Promise<void>> {
  const token = `${process.pid} ${HOST} ${randomBytes(8).toString('hex')}\n`;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (await create(path, token)) {
      return async () => {
        // Remove only our own lock: if it was broken as stale (we were paused for long), the file
        // may now be another process's.
        if ((await readFile(path, 'utf8').catch(() => '')) === token) await unlink(path).catch(() => undefined);
      };
    }
    const holder = await readFile(path, 'utf8').catch(() => '');
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

async function create(path: string, content: string): Promise<boolean> {
  try {
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** A holder written by a process of this host that is gone. Another host's lock is never guessed at. */
function isStale(content: string): boolean {
  const [pidText, host] = content.trim().split(' ');
  return host === HOST && isStalePid(Number(pidText));
}

async function breakStale(path: string, seen: string): Promise<void> {
  const guard = `${path}.break`;
  const token = `${process.pid} ${HOST} ${randomBytes(8).toString('hex')}\n`;
  if (!(await create(guard, token))) {
    const holder = await readFile(guard, 'utf8').catch(() => '');
    if (holder && isStale(holder)) await unlink(guard).catch(() => undefined);
    await sleep(5);
    return;
  }
  try {
    // Still the same dead holder? Then nobody has replaced it since we looked.
    if ((await readFile(path, 'utf8').catch(() => '')) === seen) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}
