/**
 * The one HTTP client of the remote commands (`ca enroll`, `ca renew --server`, `ca sign --server`,
 * `ca export --server`). Trust in the server is established before any secret is sent: the CA
 * chain is fetched, the certificate whose SHA-256 fingerprint the user gave (or the CA that issued
 * the user's own certificate) must be in it and the chain must hold together; from then on every
 * connection verifies the server against that root and through that CA, so a token or a key never
 * reaches anyone else. Every answer is bounded in size and time, whoever sends it.
 */
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { checkServerIdentity, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';
import { CaError, failure, usageError } from '../error.js';
import { fingerprintOf, pemToDer, splitPemCertificates } from '../pki/x509.js';

export interface Trust {
  /** the root at the top of the server's chain, PEM: what TLS verifies against (OpenSSL wants a self-signed anchor) */
  root: string;
  /**
   * the CA the user pinned (by fingerprint, or as the issuer of their certificate), PEM; the root or
   * an intermediate below it. The server and what it issues must chain through it, not merely to the
   * root: a sibling intermediate of the same root is not the pinned CA.
   */
  anchor: string;
  /** every CA certificate the server gave, issuing CA first, root last */
  chain: string[];
}

export interface Answer {
  status: number;
  type: string;
  body: Buffer;
}

interface Options {
  method?: 'GET' | 'POST';
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** verify the server against this root; absent only to fetch the chain to pin */
  root?: string | undefined;
  /** with root: the server's certificate must chain through this CA (PEM) */
  anchor?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  /** the whole exchange, connection to last byte (default 30 s) */
  timeoutMs?: number;
  /** the most of the answer's body that is read (default MAX_ANSWER_BYTES) */
  maxBytes?: number;
}

/** `https://host:port` without a path, checked. */
export function parseServerUrl(input: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw usageError(`invalid --server ${JSON.stringify(input)}`, 'give the URL `ca serve` printed, e.g. https://10.0.0.1:6060');
  }
  if (url.protocol !== 'https:') throw usageError(`--server ${input} is not an https:// URL`, '`ca serve` speaks only HTTPS');
  return url;
}

/** A SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` or `ca show` prints it, or plain hex. */
export function parseFingerprint(input: string): string {
  const hex = input.trim().replace(/^sha256\s*fingerprint\s*=\s*/i, '').replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw usageError(`invalid --fingerprint ${JSON.stringify(input)}`, "give the CA's SHA-256 fingerprint: 64 hex digits, colons optional (`ca show ca` prints it)");
  }
  return hex.match(/../g)!.join(':');
}

/**
 * SPEC "Third wave": a remote client reads at most 1 MiB of any answer (64 KiB of a CA chain) and
 * waits at most 30 s for the whole of it. The socket's own timeout is an idle timeout: a server
 * that sends a byte every few seconds would never trip it, so a deadline covers the whole exchange.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;
export const MAX_CHAIN_BYTES = 64 * 1024;
const DEADLINE_MS = 30_000;

const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`);

export function call(base: URL, path: string, o: Options = {}): Promise<Answer> {
  const url = new URL(path, base);
  const max = o.maxBytes ?? MAX_ANSWER_BYTES;
  const limitMs = o.timeoutMs ?? DEADLINE_MS;
  const tooLarge = () => failure(`the answer of ${url.origin}${url.pathname} is too large (over ${size(max)})`, 'a `ca serve` answers in a few KiB: is --server a `ca serve`?');
  const late = () => failure(`${base.origin} did not answer in time (${limitMs / 1000} s)`, 'check --server and that `ca serve` runs there');
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => settle(late()), limitMs);
    let settled = false;
    const settle = (err: Error | undefined, answer?: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(answer!);
    };
    const req = request(
      url,
      {
        method: o.method ?? 'GET',
        headers: { ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}), ...o.headers },
        ca: o.root,
        cert: o.cert,
        key: o.key,
        rejectUnauthorized: o.root !== undefined,
        ...(o.anchor !== undefined ? { checkServerIdentity: throughAnchor(o.anchor, base) } : {}),
        timeout: limitMs,
      },
      (res) => readBounded(res, max, tooLarge, settle),
    );
    req.on('timeout', () => settle(late()));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof CaError) settle(err);
      else if (/CERT|SELF_SIGNED|ALTNAME|UNABLE_TO/.test(err.code ?? '')) settle(failure(`${base.origin} presented a certificate that does not verify (${err.code})`, 'its name must be in the server certificate and it must chain to the pinned CA'));
      else settle(failure(`cannot reach ${base.origin}: ${err.code ?? err.message}`, 'check --server and that `ca serve` runs there'));
    });
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/** Reads the body up to `max` bytes; past it, stops reading (the connection is closed) and fails. */
function readBounded(res: IncomingMessage, max: number, tooLarge: () => Error, settle: (err: Error | undefined, answer?: Answer) => void): void {
  if (Number(res.headers['content-length']) > max) return settle(tooLarge());
  const chunks: Buffer[] = [];
  let length = 0;
  res.on('data', (d: Buffer) => {
    length += d.length;
    if (length > max) return settle(tooLarge());
    chunks.push(d);
  });
  res.on('end', () => settle(undefined, { status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
  res.on('error', (err) => settle(err));
}

/** TLS's host name check, then: the chain the handshake verified passes through the pinned CA. */
function throughAnchor(anchorPem: string, base: URL): (host: string, cert: PeerCertificate) => Error | undefined {
  const pinned = new X509Certificate(anchorPem).fingerprint256;
  return (host, cert) => {
    const wrongName = checkServerIdentity(host, cert);
    if (wrongName) return wrongName;
    const seen = new Set<string>();
    for (let c: DetailedPeerCertificate | undefined = cert as DetailedPeerCertificate; c && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
      if (c.fingerprint256 === pinned) return undefined;
      seen.add(c.fingerprint256);
    }
    return failure(`${base.origin} presented a certificate that was not issued under the pinned CA`, 'another CA under the same root is not the one pinned; someone may be in between');
  };
}

/** The server's error message, or the whole answer when it is not ours. */
export function refusal(answer: Answer): string {
  try {
    const e = JSON.parse(answer.body.toString('utf8')) as { error?: { message?: string } };
    if (e.error?.message) return `${answer.status}: ${e.error.message}`;
  } catch {
    // not JSON
  }
  return `HTTP ${answer.status}`;
}

/**
 * Fetches the CA chain and keeps it only if it contains the certificate that `accept` recognises (by
 * fingerprint, or as the issuer of the user's own certificate) and holds together. With a fingerprint,
 * nothing the server sent is parsed before it matches: only the SHA-256 of each block's bytes is
 * compared. The chain is fetched without a client certificate: it needs none, and the server is not
 * yet known to be the CA's.
 */
export async function establishTrust(base: URL, accept: { fingerprint: string } | { issuerOf: string }): Promise<Trust> {
  const answer = await call(base, '/v1/ca', { maxBytes: MAX_CHAIN_BYTES });
  if (answer.status !== 200) throw failure(`${base.origin}/v1/ca answered ${refusal(answer)}`);
  const chain = splitPemCertificates(answer.body.toString('utf8'));
  if (chain.length === 0) throw failure(`${base.origin}/v1/ca gave no certificate`, 'is --server a `ca serve`?');
  const pinned = 'fingerprint' in accept ? chain.findIndex((p) => fingerprintOf(pemToDer(p)) === accept.fingerprint) : -1;
  if ('fingerprint' in accept && pinned < 0) {
    throw failure(`the CA at ${base.origin} is not the one whose fingerprint was given`, 'check --fingerprint against `ca show ca` on the CA; a different one may mean someone is in between');
  }
  const certs = chain.map((p) => certificateFrom(p, base));
  certs.forEach((c, i) => {
    const issuer = certs[i + 1] ?? c;
    if (!c.ca || !c.checkIssued(issuer) || !c.verify(issuer.publicKey)) throw failure(`the CA chain from ${base.origin} does not hold together`, 'is --server a `ca serve`?');
  });
  let anchor = pinned;
  if ('issuerOf' in accept) {
    const own = new X509Certificate(accept.issuerOf);
    anchor = certs.findIndex((c) => own.checkIssued(c) && own.verify(c.publicKey));
    if (anchor < 0) throw failure(`the certificate given was not issued by the CA at ${base.origin}`, 'renew it at the server that issued it');
  }
  return { root: chain[chain.length - 1]!, anchor: chain[anchor]!, chain };
}

function certificateFrom(pem: string, base: URL): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw failure(`the CA chain from ${base.origin} holds something that is not a certificate`, 'is --server a `ca serve`?');
  }
}
