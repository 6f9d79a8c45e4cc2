/**
 * Which key a command makes: the flags' choice, else the store's default key type (SPEC "Keys and
 * signatures": `ca init --key-type T` makes T the store's default), else RSA.
 */
import { LEAF_RSA_BITS, resolveKeySpec, type KeyChoice, type KeySpec } from '../pki/key-type.js';
import { keyDefaults } from '../store/meta.js';
import { openStore } from '../store/store.js';

/** The key spec for a new leaf key in the store at `storeDir`. */
export async function leafKeySpec(storeDir: string, choice: KeyChoice): Promise<KeySpec> {
  const store = await openStore(storeDir);
  return resolveKeySpec(choice, keyDefaults(store.meta), LEAF_RSA_BITS);
}
