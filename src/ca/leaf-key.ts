/**
 * New leaf keys, and the one started before its command asked for it. OpenSSL takes 50 to 400 ms
 * for an RSA-2048 key on libuv's thread pool, and about as long passes between Node's start and the
 * moment a command knows its key spec (loading the CLI, parsing, opening the store and the CA key).
 * Started first (cli/early-key.ts), the key is made while the rest happens (docs/performance.md,
 * "Start-up"). A key is a key: the first command asking for the same spec gets it, once; any other
 * spec makes its own.
 */
import type { KeyObject } from 'node:crypto';
import { generateKey } from '../pki/key-generation.js';
import { describeSpec, type KeySpec } from '../pki/key-type.js';
import { leafSpecFor, peekMeta } from '../store/meta.js';

/** A key in the making, and the spec it was started with (describeSpec). */
export interface StartedKey {
  spec: string;
  key: Promise<KeyObject>;
}

let early: StartedKey | undefined;

/**
 * Starts the default leaf key of the store at `storeDir` when it is RSA (an ECDSA or Ed25519 key
 * takes about a millisecond, nothing to overlap). Synchronous up to the moment the key is on the
 * thread pool. No store, or a damaged one: nothing started.
 */
export function startLeafKey(storeDir: string): StartedKey | undefined {
  const meta = peekMeta(storeDir);
  const spec = meta && leafSpecFor(meta);
  if (spec?.type !== 'rsa') return undefined;
  const key = generateKey(spec);
  // Awaited by the command that takes it; a key that nobody takes must not fail the process.
  key.catch(() => {});
  return { spec: describeSpec(spec), key };
}

/** Hands over a key started before the command was known; the next newLeafKey of its spec takes it. */
export function offerLeafKey(started: StartedKey): void {
  early = started;
}

/** A new leaf key of `spec`: the early one when it matches, else a new one. */
export function newLeafKey(spec: KeySpec): Promise<KeyObject> {
  // Taken at once: of the keys asked for together (`--count`), only the first gets it.
  const started = early;
  early = undefined;
  return started?.spec === describeSpec(spec) ? started.key : generateKey(spec);
}
