/**
 * New leaf keys, and the one started before its command asked for it. OpenSSL takes 50 to 400 ms
 * for an RSA-2048 key on libuv's thread pool, and about as long passes between Node's start and the
 * moment a command knows its key spec (loading the CLI, parsing, opening the store and the CA key).
 * Started first, the key is made while the rest happens (docs/performance.md, "Start-up"). A key is
 * a key: the first command asking for the same spec gets it, once; any other spec makes its own.
 *
 * This module loads without node-forge (key-generation.ts, meta.ts): it runs before it.
 */
import type { KeyObject } from 'node:crypto';
import { generateKey } from '../pki/key-generation.js';
import { LEAF_RSA_BITS, describeSpec, resolveKeySpec, type KeySpec } from '../pki/key-type.js';
import { keyDefaults, peekMeta } from '../store/meta.js';

let early: Promise<{ spec: string; key: Promise<KeyObject> } | undefined> | undefined;

/**
 * Starts the default leaf key of the store at `storeDir` when it is RSA: an ECDSA or Ed25519 key
 * takes about a millisecond, nothing to overlap. No store, nothing started. Resolves once started.
 */
export async function startLeafKey(storeDir: string): Promise<void> {
  early = peekMeta(storeDir).then((meta) => {
    const spec = meta && resolveKeySpec({}, keyDefaults(meta), LEAF_RSA_BITS);
    if (spec?.type !== 'rsa') return undefined;
    const key = generateKey(spec);
    // Awaited by the command that takes it; a key that nobody takes must not fail the process.
    key.catch(() => {});
    return { spec: describeSpec(spec), key };
  });
  await early;
}

/** A new leaf key of `spec`: the early one when it matches, else a new one. */
export async function newLeafKey(spec: KeySpec): Promise<KeyObject> {
  // Taken before the await: of the keys asked for at once (`--count`), only the first gets it.
  const pending = early;
  early = undefined;
  const started = await pending;
  return started?.spec === describeSpec(spec) ? started.key : generateKey(spec);
}
