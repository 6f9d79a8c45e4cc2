/**
 * `ca serve`'s HTTPS server (SPEC "Online CA", "Third wave"): Node's own https, TLS from the store
 * or from clair's flags, client certificates asked for and checked against the CA; each request
 * rate-limited by its address, the caller identified, rate-limited by its credential, authorized
 * (policy.ts) and logged (refusals bounded: refusals.ts); and a bounded stop (shutdown.ts).
 */
import type { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { identify, type Credential, type Service } from '../ca/service.js';
import { tokenId } from '../ca/token.js';
import { handleAcme, refuseAcme, type AcmeOutcome, type AcmeServer } from './acme/endpoints.js';
import { addressKey, Limits } from './limits.js';
import type { Logger } from './log.js';
import { authorize, type Caller } from './policy.js';
import { RefusalLog } from './refusals.js';
import { HttpError, sendError, statusOf } from './respond.js';
import { ENDPOINTS, type Call } from './routes.js';
import { Shutdown } from './shutdown.js';

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
  /** on stop, connections still open after this are cut */
  shutdownTimeoutMs: number;
  log: Logger;
  version: string;
  /** with --acme: the ACME endpoints under /acme/ */
  acme?: AcmeServer | undefined;
}

export interface Running {
  server: Server;
  url: string;
  /** stop accepting, answer what is under way, close every connection (shutdown.ts), then resolve */
  stop(): Promise<void>;
}

/** What every request goes through, made once per server. */
interface Guards {
  limits: Limits;
  refusals: RefusalLog;
  shutdown: Shutdown;
}

export async function startServer(o: ServerOptions): Promise<Running> {
  let guards: Guards | undefined;
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
      guards!.shutdown.track(handle(req, res, o, guards!).catch((err) => o.log({ event: 'error', error: (err as Error).message })));
    },
  );
  guards = { limits: new Limits(o.ratePerMinute), refusals: new RefusalLog(o.log), shutdown: new Shutdown(server) };
  const { refusals, shutdown } = guards;
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
    stop: async () => {
      await shutdown.stop(o.shutdownTimeoutMs);
      refusals.close();
    },
  };
}

/** The routes every call of which the audit log records, and the outcome of one that succeeds. */
const AUDITED = { sign: 'issued', renew: 'renewed', revoke: 'revoked' } as const;

async function handle(req: IncomingMessage, res: ServerResponse, o: ServerOptions, { limits, refusals, shutdown }: Guards): Promise<void> {
  const client = req.socket.remoteAddress ?? 'unknown';
  const address = addressKey(client);
  let credentialName: string | null = null;
  const fields: { serial?: string; name?: string; sans?: string[] } = {};
  let endpoint: (typeof ENDPOINTS)[string] | undefined;
  let audited = false;
  try {
    shutdown.admit(res);
    // SPEC: per address before any credential is looked at (identify() reads the store), and
    // before anything of the request is read: its target too.
    try {
      limits.address(address);
    } catch (err) {
      // Only once refused is the target looked at: an ACME client is answered in ACME's terms.
      if (!o.acme || !req.url?.startsWith('/acme/')) throw err;
      return logAcme(o, refusals, address, client, res.statusCode, await refuseAcme(req, res, req.url.split('?')[0]!, o.acme, err));
    }
    const url = requestPath(req.url);
    if (o.acme && url.pathname.startsWith('/acme/')) {
      // ACME authenticates by the JWS alone (RFC 8555 6.2), not by client certificate or token;
      // the account, once its JWS is verified, is charged like a verified credential.
      const outcome = await handleAcme(req, res, url.pathname, o.acme, new Date(), (credential) => limits.credential(credential, address));
      return logAcme(o, refusals, address, client, res.statusCode, outcome);
    }
    endpoint = ENDPOINTS[url.pathname];
    const outcome = endpoint && AUDITED[endpoint.route as keyof typeof AUDITED];
    audited = outcome !== undefined;
    if (!endpoint) throw new HttpError(404, 'not-found', `there is no ${url.pathname}`);
    if (req.method !== endpoint.method) throw new HttpError(405, 'method-not-allowed', `${url.pathname} takes ${endpoint.method}`, { allow: endpoint.method });
    const certified = hasVerifiedCertificate(req);
    if (!certified) limits.credential(undefined, address);
    const { caller, credential, name } = await identifyCaller(req, o.service);
    credentialName = name;
    if (certified) limits.credential(name!, address);
    authorize(endpoint.route, caller);
    const call: Call = { req, res, url, service: o.service, credential, now: new Date(), version: o.version, record: (f) => Object.assign(fields, f) };
    await endpoint.handle(call);
    if (audited) {
      o.log({ event: endpoint.route as 'sign', outcome, status: res.statusCode, credential: credentialName, client, ...fields });
    }
  } catch (err) {
    const answer = statusOf(err);
    const about = { route: endpoint?.route, status: answer.status, credential: credentialName, client };
    // The answer's code, never its message: a message may quote the request (a name, a SAN, the
    // JSON parser's view of the body), and the log holds no request text (SPEC "Third wave").
    if (answer.status === 500) refusals.refused(address, { event: 'error', ...about, error: (err as Error).message });
    else if (audited || answer.status === 401 || answer.status === 403 || answer.status === 429) {
      refusals.refused(address, { event: 'refused', outcome: 'refused', ...about, code: answer.code });
    }
    // The rest of an unread body is not waited for.
    if (!req.complete) res.setHeader('connection', 'close');
    sendError(res, answer);
  }
}

/**
 * An ACME answer in the audit log: an issuance or revocation always, a refusal (any problem
 * document) within the bounds of refusals.ts, by its type, never its detail.
 */
function logAcme(o: ServerOptions, refusals: RefusalLog, address: string, client: string, status: number, outcome: AcmeOutcome): void {
  if (outcome === undefined) return;
  if ('audit' in outcome) return o.log({ ...outcome.audit, status, client });
  const { route, code, credential, error } = outcome.refused;
  if (outcome.refused.status === 500) refusals.refused(address, { event: 'error', route, status: 500, credential, client, error });
  else refusals.refused(address, { event: 'refused', outcome: 'refused', route, status: outcome.refused.status, credential, client, code });
}

/**
 * The request target as a path (RFC 9112 3.2.1 origin-form). An absolute or scheme-relative target
 * (`https://x/v1/…`, `//x/v1/…`) would be routed by what follows its host, and one that URL parsing
 * refuses (`//`, `/\\`) must still be answered: 400 for both, counted and logged like any refusal.
 */
function requestPath(target: string | undefined): URL {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) throw new HttpError(400, 'bad-request', 'the request target is not a path');
  try {
    return new URL(target, 'https://ca.invalid');
  } catch {
    throw new HttpError(400, 'bad-request', 'the request target is not a path');
  }
}

/** A client certificate that TLS chained to a CA it trusts: a credential no one can make up. */
function hasVerifiedCertificate(req: IncomingMessage): boolean {
  const socket = req.socket as TLSSocket;
  return socket.authorized === true && socket.getPeerX509Certificate?.() !== undefined;
}

/**
 * Who is calling: a client certificate that TLS chained to the CA and that the index holds in
 * force (an administrator when its profile is `admin`), else a bearer token, else nobody. A token
 * is only read here; it is checked in the change that issues (ca/token.ts redeemToken), and its
 * `token:ID` names it in the log, an id of 12 hex digits, whatever the request sent.
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
