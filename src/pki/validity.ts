/**
 * Validity periods. notBefore is backdated 5 minutes so a peer whose clock is a little behind
 * accepts a fresh certificate; notAfter never passes the CA's (RFC 5280 6.1.3 checks each
 * certificate of the path on its own, so a leaf outliving its CA is a certificate that stops working
 * early without saying so).
 */
import { usageError } from '../error.js';
import { wholeNumber } from './whole-number.js';

export const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** RFC 5280 4.1.2.5: GeneralizedTime stops at 9999-12-31T23:59:59Z. */
const LAST_TIME = Date.UTC(9999, 11, 31, 23, 59, 59);

export type Lifetime = { days: number } | { years: number };

export interface Validity {
  notBefore: Date;
  notAfter: Date;
  /** true when the CA's notAfter cut the request short */
  clamped: boolean;
}

/** Checks --days/--years, and that the period they give, counted from `now`, ends by 9999-12-31. */
export function parseLifetime(days: unknown, years: unknown, now: Date): Lifetime | undefined {
  if (days !== undefined && years !== undefined) {
    throw usageError('--days and --years cannot be used together', 'give one of them');
  }
  let lifetime: Lifetime | undefined;
  if (days !== undefined) lifetime = { days: positive(days, '--days') };
  if (years !== undefined) lifetime = { years: positive(years, '--years') };
  if (lifetime) lifetimeEnd(now, lifetime);
  return lifetime;
}

/** A whole number of at least 1, or a usage error naming `flag`. */
export function positive(input: unknown, flag: string): number {
  return wholeNumber(input, flag, 1, Number.MAX_SAFE_INTEGER, `${flag} takes a whole number of at least 1`);
}

export function lifetimeEnd(now: Date, lifetime: Lifetime): Date {
  let end: number;
  if ('days' in lifetime) {
    end = now.getTime() + lifetime.days * DAY_MS;
  } else {
    const d = new Date(now.getTime());
    d.setUTCFullYear(d.getUTCFullYear() + lifetime.years);
    end = d.getTime();
  }
  if (!Number.isFinite(end) || end > LAST_TIME) {
    throw usageError('the validity period ends after 9999-12-31', 'ask for fewer days or years');
  }
  return new Date(end);
}

export function computeValidity(now: Date, lifetime: Lifetime, caNotAfter?: Date): Validity {
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const wanted = lifetimeEnd(now, lifetime);
  if (caNotAfter && wanted.getTime() > caNotAfter.getTime()) {
    return { notBefore, notAfter: new Date(caNotAfter.getTime()), clamped: true };
  }
  return { notBefore, notAfter: wanted, clamped: false };
}

export function lifetimeDays(validity: Validity): number {
  return (validity.notAfter.getTime() - validity.notBefore.getTime() - BACKDATE_MS) / DAY_MS;
}
