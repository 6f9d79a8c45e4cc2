/**
 * Names of things in the store. A name becomes a file name (`certs/<name>.crt`), so it is held to a
 * set that is safe on every file system and in a tar entry: no separators, no `..`, no control
 * characters (SPEC "Store").
 */
import { usageError } from '../error.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const RESERVED = new Set(['ca']);
/** Names that only clusterca itself gives: `ca serve`'s own TLS certificate (SPEC "Third wave"). */
const RESERVED_FOR_NEW = new Set(['ca-server']);

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

/**
 * A name for something new that a user or a request asks for: a name, and none of the names
 * clusterca gives itself. (Naming an existing certificate, `ca show ca-server`, takes validateName.)
 */
export function validateNewName(name: unknown, what = 'name'): string {
  const valid = validateName(name, what);
  if (RESERVED_FOR_NEW.has(valid.toLowerCase())) {
    throw usageError(`the ${what} "${valid}" is reserved for the certificate of \`ca serve\``, 'choose another name');
  }
  return valid;
}

/** SPEC "Third wave": every character outside the name's set becomes `-`, cut to 48. */
const STEM_LENGTH = 48;

/**
 * The name of a certificate asked for without one (Magnum's `ca-sign`, whose CSR's CN is a
 * person's name such as "Your Name"): the CN made safe, then the first 8 hex digits of the
 * serial — `Your-Name-3f2a9c1b`. A CN with nothing usable gives `cert-3f2a9c1b`.
 */
export function nameFromCommonName(commonName: string, serial: string): string {
  const stem = commonName
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, STEM_LENGTH)
    .replace(/^[^A-Za-z0-9]+/, '');
  return validateName(`${stem || 'cert'}-${serial.slice(0, 8)}`);
}
