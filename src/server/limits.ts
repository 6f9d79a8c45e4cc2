/**
 * What keeps one caller from hurting the others (SPEC "Limits"): request bodies are bounded
 * (64 KiB, like every input), and each credential gets a token bucket of requests per minute.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './respond.js';

export const MAX_BODY_BYTES = 64 * 1024;

/** The request body, refused with 413 as soon as it passes the bound (not after reading it all). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, 'too-large', `the body is ${declared} bytes; at most ${MAX_BODY_BYTES} are accepted`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'too-large', `the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A token bucket per credential: `perMinute` requests, refilled evenly. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: number) {}

  /** Takes one request from `key`'s bucket; the seconds to wait when it is empty. */
  take(key: string, now = Date.now()): number | undefined {
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + ((now - b.at) / 60_000) * this.perMinute);
    b.at = now;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.forgetFull(now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    return Math.ceil(((1 - b.tokens) / this.perMinute) * 60);
  }

  /** Buckets that have filled up again hold nothing worth keeping. */
  private forgetFull(now: number): void {
    for (const [key, b] of this.buckets) if (b.tokens + ((now - b.at) / 60_000) * this.perMinute >= this.perMinute) this.buckets.delete(key);
  }
}
