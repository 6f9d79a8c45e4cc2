/**
 * Refusals in the audit log, bounded (SPEC "Third wave"): a flood of bad requests must not fill the
 * disk (a client once wrote 11,301 lines in 3 s). From one client address (limits.ts addressKey)
 * at most LINES_PER_MINUTE refusals a minute get a line of their own; the others are counted, and
 * one line `{"event":"refused-summary","client","notLogged","since"}` gives their number once that
 * minute is over (at the next refusal, at the next sweep, or when the server stops).
 */
import type { LogEvent, Logger } from './log.js';

export const LINES_PER_MINUTE = 10;
/** Addresses followed at most; past it the oldest minute is summed up and forgotten. */
export const MAX_ADDRESSES = 10_000;
/**
 * Refusal lines a minute from all addresses together: an attacker who rotates through more
 * addresses than are followed (an IPv6 /48 holds 65,536 /64s) would otherwise get a fresh budget
 * with each; past this, refusals are only counted, and summed up as from client "*".
 */
export const ALL_LINES_PER_MINUTE = 600;
const MINUTE = 60_000;
const EVERYONE = '*';

interface Minute {
  start: number;
  logged: number;
  notLogged: number;
}

export class RefusalLog {
  private readonly minutes = new Map<string, Minute>();
  private all: Minute = { start: 0, logged: 0, notLogged: 0 };
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly log: Logger) {
    // Sums up minutes that are over even when their client has gone quiet; unref: it keeps nothing alive.
    this.sweeper = setInterval(() => this.sweep(Date.now()), MINUTE).unref();
  }

  /** Writes `event` if `client` has lines left this minute; counts it otherwise. */
  refused(client: string, event: LogEvent, now = Date.now()): void {
    if (now - this.all.start >= MINUTE) {
      this.end(EVERYONE, this.all);
      this.all = { start: now, logged: 0, notLogged: 0 };
    }
    if (this.all.logged >= ALL_LINES_PER_MINUTE) {
      this.all.notLogged += 1;
      return;
    }
    let m = this.minutes.get(client);
    if (m && now - m.start >= MINUTE) {
      this.end(client, m);
      m = undefined;
    }
    if (!m) {
      m = { start: now, logged: 0, notLogged: 0 };
      this.minutes.set(client, m);
      if (this.minutes.size > MAX_ADDRESSES) {
        const [oldest, first] = this.minutes.entries().next().value!;
        this.end(oldest, first);
      }
    }
    if (m.logged < LINES_PER_MINUTE) {
      m.logged += 1;
      this.all.logged += 1;
      this.log(event);
    } else {
      m.notLogged += 1;
    }
  }

  /** Sums up every minute, over or not: the server is stopping. */
  close(): void {
    clearInterval(this.sweeper);
    for (const [client, m] of [...this.minutes]) this.end(client, m);
    this.end(EVERYONE, this.all);
  }

  private sweep(now: number): void {
    for (const [client, m] of [...this.minutes]) if (now - m.start >= MINUTE) this.end(client, m);
    if (now - this.all.start >= MINUTE) {
      this.end(EVERYONE, this.all);
      this.all = { start: now, logged: 0, notLogged: 0 };
    }
  }

  private end(client: string, m: Minute): void {
    if (client !== EVERYONE) this.minutes.delete(client);
    if (m.notLogged > 0) this.log({ event: 'refused-summary', client, notLogged: m.notLogged, since: new Date(m.start).toISOString() });
  }
}
