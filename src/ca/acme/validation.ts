/**
 * http-01 (RFC 8555 8.3) and dns-01 (8.4) validation, with tls-alpn.ts the one place this server reaches out to a
 * client's host or DNS. Bounds, the same for both: the whole validation, DNS and redirects included, within VALIDATION_TIMEOUT_MS (10 s);
 * at most MAX_REDIRECTS (10) redirects, followed over http to the validation port only; at most MAX_RESPONSE_BYTES
 * (1 KiB) of the body read, then the connection is cut. Names resolve through the resolver
 * given (--acme-resolver HOST:PORT, UDP), else the system's; an ip identifier is its own address.
 * The connection goes to --acme-http-port (80 by default, RFC 8555 8.3) with Host the identifier.
 * dns-01 asks the TXT records of `_acme-challenge.<name>` (a wildcard's base name) in the same
 * time, each record's strings joined (RFC 1035 3.3.14: a TXT record is strings of at most 255 octets each).
 * tls-alpn-01 (RFC 8737, tls-alpn.ts) resolves the same way, connects to --acme-tls-port (443) and
 * has the same 10 s for DNS, connection and handshake; nothing is read after the handshake.
 */
import { createHash } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { request } from 'node:http';
import { isIP } from 'node:net';
import { AcmeRefusal } from './refusal.js';
import type { Identifier } from './state.js';

export const VALIDATION_TIMEOUT_MS = 10_000;
export const MAX_REDIRECTS = 10;
export const MAX_RESPONSE_BYTES = 1024;

export interface ValidationOptions {
  /** HOST:PORT of a DNS server, or undefined for the system's */
  resolver?: string | undefined;
  httpPort: number;
  /** the port tls-alpn-01 connects to (RFC 8737 3: 443) */
  tlsPort: number;
}

/** Resolves when `identifier` serves `keyAuthorization` at the token's path; else an AcmeRefusal saying why. */
export async function validateHttp01(identifier: Identifier, token: string, keyAuthorization: string, o: ValidationOptions): Promise<void> {
  const deadline = AbortSignal.timeout(VALIDATION_TIMEOUT_MS);
  let url = new URL(`http://${identifier.type === 'ip' && identifier.value.includes(':') ? `[${identifier.value}]` : identifier.value}:${o.httpPort}/.well-known/acme-challenge/${token}`);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const address = isIP(host) ? host : await resolve(host, o.resolver, deadline);
    const answer = await fetchBounded(address, url, deadline);
    if (answer.location === undefined) {
      if (answer.status !== 200) throw new AcmeRefusal('incorrectResponse', `${url.href} answered HTTP ${answer.status}`);
      // RFC 8555 8.3: the body is the key authorization; trailing white space is tolerated (as Boulder does).
      if (answer.body.trim() !== keyAuthorization) throw new AcmeRefusal('incorrectResponse', `${url.href} did not answer the key authorization`);
      return;
    }
    const next = new URL(answer.location, url);
    if (next.protocol !== 'http:') throw new AcmeRefusal('connection', `${url.href} redirects to ${next.protocol} ; only http redirects are followed`);
    // A redirect to a port not named goes to the validation port, as the first request did; one
    // to another port is not followed (Let's Encrypt follows only 80 and 443): a client's redirect
    // must not turn the validation into a request to any service on any port of a host.
    if (next.port === '') next.port = String(o.httpPort);
    // The URL parser leaves http's default port out: '' is 80.
    const port = Number(next.port || 80);
    if (port !== o.httpPort) throw new AcmeRefusal('connection', `${url.href} redirects to port ${port}; only the validation port ${o.httpPort} is followed`);
    url = next;
  }
  throw new AcmeRefusal('connection', `more than ${MAX_REDIRECTS} redirects from ${identifier.value}`);
}

/** RFC 8555 8.4: some TXT record of `_acme-challenge.<name>` is base64url(SHA-256(key authorization)). */
export async function validateDns01(identifier: Identifier, keyAuthorization: string, o: ValidationOptions): Promise<void> {
  const deadline = AbortSignal.timeout(VALIDATION_TIMEOUT_MS);
  const name = `_acme-challenge.${identifier.value}`;
  const expected = createHash('sha256').update(keyAuthorization).digest('base64url');
  const resolver = newResolver(o.resolver);
  const cancel = () => resolver.cancel();
  deadline.addEventListener('abort', cancel, { once: true });
  let records: string[];
  try {
    records = (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (deadline.aborted || code === 'ECANCELLED' || code === 'ETIMEOUT') throw new AcmeRefusal('dns', `the DNS server did not answer for ${name} within ${VALIDATION_TIMEOUT_MS / 1000} s`);
    throw new AcmeRefusal('dns', `${name} has no TXT record (${code ?? 'lookup failed'})`);
  } finally {
    deadline.removeEventListener('abort', cancel);
  }
  if (!records.includes(expected)) throw new AcmeRefusal('incorrectResponse', `no TXT record of ${name} is the expected value (${records.length} found)`);
}

function newResolver(server: string | undefined): Resolver {
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  if (server) resolver.setServers([server]);
  return resolver;
}

/** The address a validation reaches: an ip identifier's own, else the name's first A, then AAAA record. */
export async function addressOf(identifier: Identifier, server: string | undefined, deadline: AbortSignal): Promise<string> {
  return identifier.type === 'ip' ? identifier.value : resolve(identifier.value, server, deadline);
}

async function resolve(host: string, server: string | undefined, deadline: AbortSignal): Promise<string> {
  const resolver = newResolver(server);
  const cancel = () => resolver.cancel();
  deadline.addEventListener('abort', cancel, { once: true });
  try {
    for (const lookup of [() => resolver.resolve4(host), () => resolver.resolve6(host)]) {
      const found = await lookup().catch(() => [] as string[]);
      if (found.length > 0) return found[0]!;
      if (deadline.aborted) break;
    }
  } finally {
    deadline.removeEventListener('abort', cancel);
  }
  throw new AcmeRefusal('dns', `${host} has no A or AAAA record${deadline.aborted ? ' (the DNS server did not answer in time)' : ''}`);
}

interface Answer {
  status: number;
  location: string | undefined;
  body: string;
}

function fetchBounded(address: string, url: URL, deadline: AbortSignal): Promise<Answer> {
  return new Promise((resolvePromise, reject) => {
    if (deadline.aborted) return reject(late(url));
    const req = request({ host: address, port: Number(url.port), path: url.pathname + url.search, method: 'GET', headers: { host: url.host, 'user-agent': 'clusterca-acme' }, signal: deadline, agent: false });
    req.on('error', () => reject(deadline.aborted ? late(url) : new AcmeRefusal('connection', `cannot fetch ${url.href} from ${address}`)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = status >= 300 && status < 400 ? res.headers.location : undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        res.destroy();
        resolvePromise({ status, location, body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8') });
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // No more is read than the bound: what was read cannot be a key authorization anyway.
        if (size > MAX_RESPONSE_BYTES) done();
      });
      res.on('end', done);
      res.on('error', () => reject(deadline.aborted ? late(url) : new AcmeRefusal('connection', `the answer of ${url.href} broke off`)));
    });
    req.end();
  });
}

function late(url: URL): AcmeRefusal {
  return new AcmeRefusal('connection', `${url.href} did not answer within ${VALIDATION_TIMEOUT_MS / 1000} s`);
}
