/**
 * What keeps one caller from hurting the others (SPEC "Limits", "Third wave"): request bodies are
 * bounded (64 KiB, like every input), and requests are counted in token buckets, first per client
 * address (before any credential is looked at), then per verified credential.
 */
import { isIPv6 } from 'node:net';
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

/**
 * The key a client address is counted under: an IPv4 address (an IPv4-mapped IPv6 one too) as
 * itself, an IPv6 address by its /64, the smallest prefix a site is given (RFC 6177), so a host
 * cannot take a fresh budget from each of its 2^64 addresses.
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  const plain = address.split('%')[0]!; // a zone (fe80::1%eth0) names the link, not the host
  if (!isIPv6(plain)) return address;
  return `${groupsOf(plain).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, as hex without leading zeros. */
function groupsOf(v6: string): string[] {
  // A trailing dotted quad (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is two groups.
  const text = v6.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => g.replace(/^0+(?=.)/, '').toLowerCase());
}

/** Buckets kept at most: past it the one least recently used is dropped (it is the fullest). */
export const MAX_BUCKETS = 10_000;

/**
 * A token bucket per key: `perMinute` requests, refilled evenly. The map is bounded: a key not
 * seen for longest goes first, so a flood of new keys costs constant time and memory per request.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: number) {}

  /** Takes one request from `key`'s bucket; the seconds to wait when it is empty. */
  take(key: string, now = Date.now()): number | undefined {
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + ((now - b.at) / 60_000) * this.perMinute);
    b.at = now;
    // Delete and set again: a Map iterates in insertion order, so the first key is the stalest.
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    return Math.ceil(((1 - b.tokens) / this.perMinute) * 60);
  }
}

/** An address's budget is this many times a credential's: several credentials may share a host. */
export const ADDRESS_FACTOR = 4;

/**
 * The two stages of rate limiting (SPEC "Third wave"). `address` is charged for every request,
 * before the store is read to identify the caller; `credential` then once the credential is
 * verified. A certificate is verified by TLS and the index; a bearer token only inside the change
 * that issues (ca/token.ts redeemToken), after the request was read, so a token never gets a
 * bucket of its own: a request with a token, or with no credential, or with a certificate TLS
 * refused, is charged to one bucket per address (`unverified`), the size of a credential's. A
 * made-up token id therefore buys nothing.
 */
export class Limits {
  private readonly addresses: RateLimiter;
  private readonly credentials: RateLimiter;

  constructor(perMinute: number) {
    this.addresses = new RateLimiter(perMinute * ADDRESS_FACTOR);
    this.credentials = new RateLimiter(perMinute);
  }

  address(client: string): void {
    refuseAfter(this.addresses.take(`address:${client}`));
  }

  /** `credential` is a verified one (`admin:SERIAL`, `certificate:SERIAL`), or undefined. */
  credential(credential: string | undefined, client: string): void {
    refuseAfter(this.credentials.take(credential ?? `unverified:${client}`));
  }
}

function refuseAfter(wait: number | undefined): void {
  if (wait !== undefined) throw new HttpError(429, 'too-many-requests', `too many requests; try again in ${wait} s`, { 'retry-after': String(wait) });
}
