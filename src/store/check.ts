/**
 * Reading what the store holds as untrusted (SPEC "Trust of the store"): each value of the index,
 * the journal and the ACME records is checked for its type and form, and a damaged one is reported
 * with where it is and what to restore, never half-used.
 */
import { failure } from '../error.js';

// eslint-disable-next-line no-control-regex
export const NO_CONTROL = /^[^\u0000-\u001f\u007f-\u009f]*$/;

export class Check {
  constructor(readonly path: string) {}
  fail(where: string, why: string): never {
    throw failure(`the index ${this.path} is damaged: ${where} ${why}`, 'restore it from a backup; nothing was changed');
  }
  object(v: unknown, where: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(where, 'is not an object');
    return v as Record<string, unknown>;
  }
  list(v: unknown, where: string): unknown[] {
    if (!Array.isArray(v)) this.fail(where, 'is not a list');
    return v;
  }
  text(v: unknown, where: string, pattern: RegExp = NO_CONTROL, max = 4096): string {
    if (typeof v !== 'string' || v.length > max || !pattern.test(v)) this.fail(where, `is not valid (${JSON.stringify(v)?.slice(0, 80)})`);
    return v;
  }
  date(v: unknown, where: string): string {
    if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/.test(v) || Number.isNaN(Date.parse(v))) {
      this.fail(where, `is not a date (${JSON.stringify(v)?.slice(0, 40)})`);
    }
    return v;
  }
  oneOf<T>(v: unknown, allowed: readonly T[], where: string): T {
    if (!allowed.includes(v as T)) this.fail(where, `is not one of ${allowed.join(', ')}`);
    return v as T;
  }
  count(v: unknown, where: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.fail(where, 'is not a whole number');
    return v;
  }
}
