/**
 * store.json: what a store is (SPEC "Store"), validated when read (SPEC "Trust of the store"): a
 * damaged description is refused with what to restore, never half-used.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { failure } from '../error.js';
import { Layout } from './layout.js';
import { CURVES, KEY_TYPES, LEAF_RSA_BITS, resolveKeySpec, type Curve, type KeyChoice, type KeySpec, type KeyType } from '../pki/key-type.js';

export const STORE_FORMAT = 1;

export interface StoreMeta {
  format: number;
  /** the CA's common name */
  name: string;
  /** a UUID made by init; the OU of every certificate */
  clusterId: string;
  createdAt: string;
  /** the CA certificate's lifetime as `init` set it: `ca renew ca` never goes beyond it */
  caLifetime?: { years: number } | { days: number } | undefined;
  /** the key type (and curve) of every key the store makes unless told otherwise (`init --key-type`) */
  defaults?: { keyType: KeyType; curve?: Curve | undefined } | undefined;
  /** a CRL distribution point put in every certificate issued (`init --crl-url`) */
  crlUrl?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function parseMeta(text: string, path: string): StoreMeta {
  const damaged = (why: string) => failure(`${path} is damaged: ${why}`, 'restore it from a backup');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw damaged((err as Error).message);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw damaged('it is not a JSON object');
  const m = data as Record<string, unknown>;
  if (m.format !== STORE_FORMAT) {
    throw failure(`${path} is not a clusterca store description of format ${STORE_FORMAT}`, 'restore it from a backup');
  }
  if (typeof m.name !== 'string' || m.name.length === 0 || [...m.name].length > 64 || CONTROL.test(m.name)) throw damaged('"name" is not a CA name');
  if (typeof m.clusterId !== 'string' || !UUID.test(m.clusterId)) throw damaged('"clusterId" is not a UUID');
  if (typeof m.createdAt !== 'string' || Number.isNaN(Date.parse(m.createdAt))) throw damaged('"createdAt" is not a date');
  const meta: StoreMeta = { format: STORE_FORMAT, name: m.name, clusterId: m.clusterId, createdAt: m.createdAt };
  if (m.caLifetime !== undefined) meta.caLifetime = lifetime(m.caLifetime, damaged);
  if (m.defaults !== undefined) meta.defaults = defaults(m.defaults, damaged);
  if (m.crlUrl !== undefined) {
    if (typeof m.crlUrl !== 'string' || !/^https?:\/\/[\x21-\x7e]+$/.test(m.crlUrl)) throw damaged('"crlUrl" is not an http(s) URL');
    meta.crlUrl = m.crlUrl;
  }
  return meta;
}

function defaults(v: unknown, damaged: (why: string) => Error): StoreMeta['defaults'] {
  const d = v as Record<string, unknown> | null;
  if (!d || typeof d !== 'object' || !KEY_TYPES.includes(d.keyType as KeyType)) throw damaged('"defaults" does not name a key type');
  if (d.curve !== undefined && (d.keyType !== 'ecdsa' || !CURVES.includes(d.curve as Curve))) throw damaged('"defaults" names a curve that does not fit');
  return { keyType: d.keyType as KeyType, curve: d.curve as Curve | undefined };
}

function lifetime(v: unknown, damaged: (why: string) => Error): StoreMeta['caLifetime'] {
  const l = v as Record<string, unknown> | null;
  const whole = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 3_652_500;
  if (l && typeof l === 'object' && Object.keys(l).length === 1 && whole(l.years)) return { years: l.years as number };
  if (l && typeof l === 'object' && Object.keys(l).length === 1 && whole(l.days)) return { days: l.days as number };
  throw damaged('"caLifetime" is not {"years": N} or {"days": N}');
}

/** The key a store makes unless told otherwise, as a choice of flags would give it. */
export function keyDefaults(meta: StoreMeta): KeyChoice | undefined {
  return meta.defaults ? { type: meta.defaults.keyType, curve: meta.defaults.curve } : undefined;
}

/** The spec of a new leaf key in this store: the flags' choice, else the store's default, else RSA-2048. */
export function leafSpecFor(meta: StoreMeta, choice: KeyChoice = {}): KeySpec {
  return resolveKeySpec(choice, keyDefaults(meta), LEAF_RSA_BITS);
}

/** A store description is a few hundred bytes. */
const MAX_META_BYTES = 64 * 1024;

/**
 * store.json read without opening the store (no ownership checks, no lock), synchronously: for a
 * guess only, the early key's spec (cli/early-key.ts), made before the CLI is loaded; the command
 * opens the store properly. Undefined when missing, damaged or not a regular file: read before the
 * store's trust is checked, a FIFO or a symbolic link put there is neither waited on nor followed.
 */
export function peekMeta(dir: string): StoreMeta | undefined {
  const path = new Layout(dir).metaFile.path;
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_META_BYTES) return undefined;
    return parseMeta(readFileSync(fd, 'utf8'), path);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
