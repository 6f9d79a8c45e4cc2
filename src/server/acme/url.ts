/**
 * The JWS `url` check (RFC 8555 6.4): the protected `url` must be the URL the request was sent to,
 * or the request is `unauthorized` — a JWS signed for one resource cannot be replayed at another.
 * Compared exactly, as text: scheme, host, port and path (Boulder #4447: a JWS for port 14000 is not
 * one for 443). The server knows its own base URL; the request line gives the path.
 */
import { AcmeProblem } from './problem.js';

/**
 * The URL a request reached: the server's base URL (scheme, host, port, and a path prefix if any)
 * with the request target, which must be a path (origin-form, RFC 9112 3.2.1). The host and port are
 * spelled as the WHATWG URL parser spells them (lower case, a default port left out), which is how
 * the directory spells every URL it gives out.
 */
export function requestUrl(base: string | URL, target: string): string {
  const b = typeof base === 'string' ? new URL(base) : base;
  if (!target.startsWith('/')) throw new AcmeProblem('malformed', 'the request target is not a path');
  return `${b.protocol}//${b.host}${b.pathname.replace(/\/$/, '')}${target}`;
}

/** Refuses a JWS whose protected `url` is not `expected` (from requestUrl), character for character. */
export function checkJwsUrl(headerUrl: string, expected: string): void {
  if (headerUrl !== expected) {
    throw new AcmeProblem('unauthorized', `the JWS "url" ${JSON.stringify(headerUrl)} is not the URL it was sent to, ${expected}`);
  }
}
