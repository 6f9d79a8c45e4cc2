/**
 * `ca serve`'s HTTPS server (SPEC "Online CA"): Node's own https, TLS from the store or from clair's
 * flags, client certificates asked for and checked against the CA, the caller identified and
 * authorized (policy.ts), rate-limited, logged, and a graceful stop: no new connections, the
 * requests under way answered, then done.
 */
import type { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { identify, type Credential, type Service } from '../ca/service.js';
import { tokenId } from '../ca/token.js';
import { RateLimiter } from './limits.js';
import type { Logger } from './log.js';
import { authorize, type Caller } from './policy.js';
import { HttpError, sendError, statusOf } from './respond.js';
import { ENDPOINTS, type Call } from './routes.js';

export interface ServerOptions {
  service: Service;
  /** the server's certificate (with its intermediates) and key, PEM */
  cert: string;
  key: string;
  /** the CAs client certificates are checked against */
  clientCa: string;
  /** with --api-ca-file: every connection must present a client certificate (clair's behaviour) */
  requireClientCertificate: boolean;
  host: string;
  port: number;
  ratePerMinute: number;
  /** a request must arrive whole within this (slow clients are cut off) */
  timeoutMs: number;
  log: Logger;
  version: string;
}

export interface Running {
  server: Server;
  url: string;
  /** stop accepting, answer what is under way, then resolve */
  stop(): Promise<void>;
}

export async function startServer(o: ServerOptions): Promise<Running> {
  const limiter = new RateLimiter(o.ratePerMinute);
  const server = createServer(
    {
      cert: o.cert,
      key: o.key,
      ca: o.clientCa,
      requestCert: true,
      rejectUnauthorized: o.requireClientCertificate,
      minVersion: 'TLSv1.2',
      handshakeTimeout: o.timeoutMs,
      requestTimeout: o.timeoutMs,
      headersTimeout: Math.min(o.timeoutMs, 60_000),
      keepAliveTimeout: 5_000,
      // How often Node looks for requests past their time (its default, 30 s, would let a short
      // --timeout run long).
      connectionsCheckingInterval: Math.max(250, Math.min(o.timeoutMs / 4, 30_000)),
    },
    (req, res) => {
      handle(req, res, o, limiter).catch((err) => o.log({ event: 'error', reason: (err as Error).message }));
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const url = `https://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  return {
    server,
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** The routes every call of which the audit log records, and the outcome of one that succeeds. */
const AUDITED = { sign: 'issued', renew: 'renewed', revoke: 'revoked' } as const;

async function handle(req: IncomingMessage, res: ServerResponse, o: ServerOptions, limiter: RateLimiter): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://ca.invalid');
  const endpoint = ENDPOINTS[url.pathname];
  const client = req.socket.remoteAddress ?? 'unknown';
  let credentialName: string | null = null;
  const fields: { serial?: string; name?: string; sans?: string[] } = {};
  const outcome = endpoint && AUDITED[endpoint.route as keyof typeof AUDITED];
  const audited = outcome !== undefined;
  try {
    if (!endpoint) throw new HttpError(404, 'not-found', `there is no ${url.pathname}`);
    if (req.method !== endpoint.method) throw new HttpError(405, 'method-not-allowed', `${url.pathname} takes ${endpoint.method}`, { allow: endpoint.method });
    const { caller, credential, name } = await identifyCaller(req, o.service);
    credentialName = name;
    const wait = limiter.take(name ?? `client:${client}`);
    if (wait !== undefined) throw new HttpError(429, 'too-many-requests', `too many requests; try again in ${wait} s`, { 'retry-after': String(wait) });
    authorize(endpoint.route, caller);
    const call: Call = { req, res, url, service: o.service, credential, now: new Date(), version: o.version, record: (f) => Object.assign(fields, f) };
    await endpoint.handle(call);
    if (audited) {
      o.log({ event: endpoint.route as 'sign', outcome, status: res.statusCode, credential: credentialName, client, ...fields });
    }
  } catch (err) {
    const answer = statusOf(err);
    if (answer.status === 500) o.log({ event: 'error', client, reason: (err as Error).message });
    if (audited || answer.status === 401 || answer.status === 403 || answer.status === 429) {
      o.log({ event: 'refused', outcome: 'refused', route: endpoint?.route ?? url.pathname, status: answer.status, credential: credentialName, client, reason: answer.message, ...fields });
    }
    // The rest of an unread body is not waited for.
    if (!req.complete) res.setHeader('connection', 'close');
    sendError(res, answer);
  }
}

/**
 * Who is calling: a client certificate that TLS chained to the CA and that the index holds in
 * force (an administrator when its profile is `admin`), else a bearer token, else nobody.
 */
async function identifyCaller(req: IncomingMessage, service: Service): Promise<{ caller: Caller; credential: Credential | undefined; name: string | null }> {
  const socket = req.socket as TLSSocket;
  const peer = socket.getPeerX509Certificate?.() as X509Certificate | undefined;
  if (peer) {
    if (!socket.authorized) throw new HttpError(401, 'unauthenticated', `the client certificate is not valid here (${String(socket.authorizationError)})`);
    const entry = await identify(service, peer);
    const admin = entry.profile === 'admin';
    return { caller: admin ? 'admin' : 'holder', credential: { kind: admin ? 'admin' : 'certificate', entry }, name: `${admin ? 'admin' : 'certificate'}:${entry.serial}` };
  }
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) throw new HttpError(401, 'unauthenticated', 'the Authorization header is not "Bearer TOKEN"');
    const id = tokenId(m[1]!);
    if (!id) throw new HttpError(401, 'unauthenticated', 'the enrollment token is not valid');
    return { caller: 'token', credential: { kind: 'token', token: m[1]! }, name: `token:${id}` };
  }
  return { caller: 'anonymous', credential: undefined, name: null };
}
