/**
 * New keys, from OpenSSL on libuv's thread pool (node-forge's pure-JS prime search is 8-20 times
 * slower). Apart from key.ts, which reads and writes keys with node-forge's DER: making a key needs
 * none of it, and the early key (ca/leaf-key.ts) is made before node-forge is loaded.
 */
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { KeySpec } from './key-type.js';

/**
 * A key from OpenSSL, generated on libuv's thread pool; started before the first await. Node's
 * crypto module is loaded here, not with the module (~7 ms): the early key's bundle
 * (cli/early-key.ts), which holds this module, is loaded by every command, and most make no key.
 */
export async function generateKey(spec: KeySpec): Promise<KeyObject> {
  const generate = promisify(process.getBuiltinModule('node:crypto').generateKeyPair);
  if (spec.type === 'rsa') return (await generate('rsa', { modulusLength: spec.bits, publicExponent: 0x10001 })).privateKey;
  if (spec.type === 'ecdsa') return (await generate('ec', { namedCurve: spec.curve })).privateKey;
  return (await generate('ed25519')).privateKey;
}
