/**
 * Names of things in the store. A name becomes a file name (`certs/<name>.crt`), so it is held to a
 * set that is safe on every file system and in a tar entry: no separators, no `..`, no control
 * characters (SPEC "Store").
 */
import { usageError } from '../error.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const RESERVED = new Set(['ca']);

export function validateName(name: unknown, what = 'name'): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw usageError(`a ${what} is required`, 'use 1-64 letters, digits, ".", "_" or "-"');
  }
  if (!NAME.test(name)) {
    throw usageError(
      `invalid ${what} ${JSON.stringify(name)}`,
      'use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
    );
  }
  if (RESERVED.has(name.toLowerCase())) {
    throw usageError(`the ${what} "${name}" is reserved for the CA itself`, 'choose another name');
  }
  return name;
}
