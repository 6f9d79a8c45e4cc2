/**
 * Which key a command makes: the flags' choice, else the store's default key type (SPEC "Keys and
 * signatures": `ca init --key-type T` makes T the store's default), else RSA.
 */
import type { KeyChoice, KeySpec } from '../pki/key-type.js';
import { leafSpecFor } from '../store/meta.js';
import { openStore } from '../store/store.js';

/** The key spec for a new leaf key in the store at `storeDir`. */
export async function leafKeySpec(storeDir: string, choice: KeyChoice): Promise<KeySpec> {
  const store = await openStore(storeDir);
  return leafSpecFor(store.meta, choice);
}
