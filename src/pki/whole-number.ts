import { usageError } from '../error.js';

/**
 * A flag's whole number from `min` to `max`, or a usage error naming the flag and the range. An
 * empty value is refused, not read as 0.
 */
export function wholeNumber(input: unknown, flag: string, min: number, max: number, hint = `give a whole number from ${min} to ${max}`): number {
  const n = Number(input);
  if (!Number.isInteger(n) || n < min || n > max || String(input).trim() === '') {
    throw usageError(`invalid ${flag} ${JSON.stringify(String(input))}`, hint);
  }
  return n;
}
