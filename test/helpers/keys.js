// Pre-made keys for unit tests, generated once per test process (a fresh key adds nothing there).
import { generateKeyPairSync } from 'node:crypto';

const cache = new Map();

export function rsaKey(bits = 2048, slot = 0) {
  const id = `${bits}/${slot}`;
  if (!cache.has(id)) cache.set(id, generateKeyPairSync('rsa', { modulusLength: bits }).privateKey);
  return cache.get(id);
}
