/**
 * Which key a command makes: the flags' choice, else the store's default key type (SPEC "Keys and
 * signatures": `ca init --key-type T` makes T the store's default), else RSA.
 */
import { resolveKeySpec, type KeyChoice, type KeySpec, type RsaBits } from '../pki/key-type.js';
import { openStore, type StoreMeta } from '../store/store.js';

/** RSA sizes when none is given: the CA's 4096, every other key's 2048 (SPEC). */
export const CA_RSA_BITS: RsaBits = 4096;
export const LEAF_RSA_BITS: RsaBits = 2048;

export function storeKeyDefaults(meta: StoreMeta): KeyChoice | undefined {
  return meta.defaults ? { type: meta.defaults.keyType, curve: meta.defaults.curve } : undefined;
}

/** The key spec for a new leaf key in the store at `storeDir`. */
export async function leafKeySpec(storeDir: string, choice: KeyChoice): Promise<KeySpec> {
  const store = await openStore(storeDir);
  return resolveKeySpec(choice, storeKeyDefaults(store.meta), LEAF_RSA_BITS);
}
