/** How a certificate stands today, as `ca list` and `ca status` show it. */
import type { IndexEntry } from '../store/index-file.js';

export type State = 'valid' | 'expiring' | 'expired' | 'revoked' | 'superseded';

export const DEFAULT_WITHIN_DAYS = 30;
const DAY_MS = 86_400_000;

export function stateOf(entry: IndexEntry, now: Date, withinDays = DEFAULT_WITHIN_DAYS): State {
  if (entry.status !== 'valid') return entry.status;
  const end = new Date(entry.notAfter).getTime();
  if (end <= now.getTime()) return 'expired';
  if (end - now.getTime() <= withinDays * DAY_MS) return 'expiring';
  return 'valid';
}

export function daysLeft(entry: IndexEntry, now: Date): number {
  return Math.ceil((new Date(entry.notAfter).getTime() - now.getTime()) / DAY_MS);
}
