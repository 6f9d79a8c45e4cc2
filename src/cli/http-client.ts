/**
 * The one HTTP client of the remote commands (`ca enroll`, `ca renew --server`, `ca sign --server`,
 * `ca export --server`). Trust in the server is established before any secret is sent: the CA
 * chain is fetched, the certificate whose SHA-256 fingerprint the user gave (or the CA that issued
 * the user's own certificate) must be in it and the chain must hold together; from then on every
 * connection verifies the server against that root, so a token or a key never reaches anyone else.
 */
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { CaError, failure, usageError } from '../error.js';

export interface Trust {
  /** the trust anchor: the root at the top of the server's chain, PEM */
  root: string;
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
  cert?: string | undefined;
  key?: string | undefined;
  timeoutMs?: number;
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

export function call(base: URL, path: string, o: Options = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      {
        method: o.method ?? 'GET',
        headers: { ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}), ...o.headers },
        ca: o.root,
        cert: o.cert,
        key: o.key,
        rejectUnauthorized: o.root !== undefined,
        timeout: o.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(failure(`${base.origin} did not answer in time`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof CaError) reject(err);
      else if (/CERT|SELF_SIGNED|ALTNAME|UNABLE_TO/.test(err.code ?? '')) reject(failure(`${base.origin} presented a certificate that does not verify (${err.code})`, 'its name must be in the server certificate and it must chain to the pinned CA'));
      else reject(failure(`cannot reach ${base.origin}: ${err.code ?? err.message}`, 'check --server and that `ca serve` runs there'));
    });
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
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
 * Fetches the CA chain and keeps it only if it holds together and contains the certificate that
 * `accept` recognises (by fingerprint, or as the issuer of the user's own certificate).
 */
export async function establishTrust(base: URL, accept: { fingerprint: string } | { issuerOf: string }, auth: Pick<Options, 'cert' | 'key'> = {}): Promise<Trust> {
  const answer = await call(base, '/v1/ca', auth);
  if (answer.status !== 200) throw failure(`${base.origin}/v1/ca answered ${refusal(answer)}`);
  const chain = (answer.body.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? []).map((p) => (p.endsWith('\n') ? p : `${p}\n`));
  if (chain.length === 0) throw failure(`${base.origin}/v1/ca gave no certificate`);
  const certs = chain.map((p) => new X509Certificate(p));
  certs.forEach((c, i) => {
    const issuer = certs[i + 1] ?? c;
    if (!c.ca || !c.checkIssued(issuer) || !c.verify(issuer.publicKey)) throw failure(`the CA chain from ${base.origin} does not hold together`, 'is --server a `ca serve`?');
  });
  if ('fingerprint' in accept) {
    if (!certs.some((c) => c.fingerprint256 === accept.fingerprint)) {
      throw failure(`the CA at ${base.origin} is not the one whose fingerprint was given`, 'check --fingerprint against `ca show ca` on the CA; a different one may mean someone is in between');
    }
  } else {
    const own = new X509Certificate(accept.issuerOf);
    if (!certs.some((c) => own.checkIssued(c) && own.verify(c.publicKey))) {
      throw failure(`the certificate given was not issued by the CA at ${base.origin}`, 'renew it at the server that issued it');
    }
  }
  return { root: chain[chain.length - 1]!, chain };
}
