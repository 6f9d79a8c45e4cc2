/**
 * Replay-Nonce values (RFC 8555 6.5): every answer carries a fresh one, and a JWS is taken only
 * with a nonce this server issued, not yet used and not expired; otherwise `badNonce`, whose answer
 * carries a new nonce so the client can retry (certbot once, lego for 20 s: PITFALLS.md).
 * `NonceStore` is what the server asks, so replicas sharing etcd can put another one behind it;
 * this file has the one kept in memory.
 */
import { randomBytes } from 'node:crypto';
import { AcmeProblem } from './problem.js';

export interface NonceStore {
  /** a new nonce, to send as Replay-Nonce */
  issue(): Promise<string>;
  /** accepts `nonce` once: throws badNonce if it is unknown, used or expired */
  consume(nonce: string): Promise<void>;
}

/** 128 bits from the system's CSPRNG (RFC 8555 6.5.1 asks for unpredictable; 10.4 for enough entropy). */
export const NONCE_BYTES = 16;
/** Nonces outstanding at most: past it the oldest is dropped (a client holding one gets badNonce and retries). */
export const MAX_NONCES = 10_000;
/** How long a nonce stays good: longer than any client waits between getting one and using it. */
export const NONCE_LIFETIME_MS = 60 * 60 * 1000;

export interface MemoryNonceOptions {
  /** milliseconds since the epoch; injected so tests need no sleeping */
  now?: () => number;
  max?: number;
  lifetimeMs?: number;
}

/** Nonces in a Map in issue order: the oldest is the first key, so dropping it costs O(1). */
export class MemoryNonceStore implements NonceStore {
  private readonly outstanding = new Map<string, number>();
  private readonly now: () => number;
  private readonly max: number;
  private readonly lifetimeMs: number;

  constructor(options: MemoryNonceOptions = {}) {
    this.now = options.now ?? Date.now;
    this.max = options.max ?? MAX_NONCES;
    this.lifetimeMs = options.lifetimeMs ?? NONCE_LIFETIME_MS;
  }

  get size(): number {
    return this.outstanding.size;
  }

  async issue(): Promise<string> {
    const nonce = randomBytes(NONCE_BYTES).toString('base64url');
    while (this.outstanding.size >= this.max) this.outstanding.delete(this.outstanding.keys().next().value!);
    this.outstanding.set(nonce, this.now() + this.lifetimeMs);
    return nonce;
  }

  async consume(nonce: string): Promise<void> {
    const expires = this.outstanding.get(nonce);
    if (expires === undefined) throw new AcmeProblem('badNonce', 'the nonce is not one this server issued, or was already used; take a new one from Replay-Nonce');
    this.outstanding.delete(nonce);
    if (this.now() >= expires) throw new AcmeProblem('badNonce', 'the nonce has expired; take a new one from Replay-Nonce');
  }
}
