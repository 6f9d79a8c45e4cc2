/**
 * The endpoints of `ca serve` (SPEC "Online CA"): each parses its request, and calls one use case
 * in ca/service.ts. Who may call which is policy.ts's; what a certificate may contain is ca/'s.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { usageError } from '../error.js';
import { crlPem, parseReason } from '../pki/crl.js';
import type { Issued } from '../ca/issue.js';
import { caChainPem, crlFor, listFor, renewFor, revokeFor, signFor, type Credential, type Service } from '../ca/service.js';
import { readBody } from './limits.js';
import type { Route } from './policy.js';
import { HttpError, sendBytes, sendJson, sendJsonArray } from './respond.js';

export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  service: Service;
  credential: Credential | undefined;
  now: Date;
  /** clusterca's version, for /v1/versions */
  version: string;
  /** what the audit log says of this call's result */
  record: (fields: { serial?: string; name?: string; sans?: string[] }) => void;
}

interface Endpoint {
  method: 'GET' | 'POST';
  route: Route;
  handle: (call: Call) => Promise<void>;
}

export const ENDPOINTS: Record<string, Endpoint> = {
  '/v1/versions': { method: 'GET', route: 'versions', handle: async ({ res, version }) => sendJson(res, 200, { api: ['v1'], clusterca: version }) },
  '/v1/health': {
    method: 'GET',
    route: 'health',
    handle: async ({ res, service, now }) => {
      const daysLeft = Math.floor((service.authority.notAfter.getTime() - now.getTime()) / 86_400_000);
      sendJson(res, daysLeft > 0 ? 200 : 503, { status: daysLeft > 0 ? 'ok' : 'ca-expired', ca: { notAfter: service.authority.notAfter.toISOString(), daysLeft } });
    },
  },
  '/v1/ca': { method: 'GET', route: 'ca', handle: async ({ res, service }) => sendBytes(res, 'application/x-pem-file', caChainPem(service)) },
  '/v1/crl': {
    method: 'GET',
    route: 'crl',
    handle: async ({ res, url, service, now }) => {
      const der = await crlFor(service, now);
      if (url.searchParams.get('format') === 'pem') {
        sendBytes(res, 'application/x-pem-file', crlPem(der));
      } else {
        sendBytes(res, 'application/pkix-crl', der);
      }
    },
  },
  '/v1/sign': {
    method: 'POST',
    route: 'sign',
    handle: async (call) => {
      const body = await requestBody(call.req);
      const issued = await signFor(call.service, { ...body, credential: call.credential!, now: call.now });
      answerCertificate(call, issued);
    },
  },
  '/v1/renew': {
    method: 'POST',
    route: 'renew',
    handle: async (call) => {
      const body = await requestBody(call.req, true);
      const holder = call.credential as Extract<Credential, { entry: unknown }>;
      const issued = await renewFor(call.service, { holder: holder.entry, csr: body.csr === undefined ? undefined : Buffer.from(body.csr), now: call.now });
      answerCertificate(call, issued);
    },
  },
  '/v1/revoke': {
    method: 'POST',
    route: 'revoke',
    handle: async (call) => {
      const data = await jsonBody(call.req);
      if (typeof data.serial !== 'string') throw usageError('give "serial": the certificate to revoke, hex');
      const reason = parseReason(data.reason === undefined ? undefined : textField(data.reason, 'reason'));
      const r = await revokeFor(call.service, { serial: data.serial, reason, now: call.now });
      call.record({ serial: r.revoked[0]?.serial, name: r.revoked[0]?.name });
      sendJson(call.res, 200, { revoked: r.revoked, sameKey: r.sameKey, crl: { number: r.crl.number, nextUpdate: r.crl.nextUpdate } });
    },
  },
  '/v1/certificates': {
    method: 'GET',
    route: 'certificates',
    handle: async ({ res, service }) => {
      const { certificates, requests } = await listFor(service);
      await sendJsonArray(res, '{"certificates":[', certificates, `],"requests":${JSON.stringify(requests)}}\n`);
    },
  },
};

function answerCertificate(call: Call, issued: Issued): void {
  call.record({ serial: issued.entry.serial, name: issued.name, sans: issued.entry.sans });
  if ((call.req.headers.accept ?? '').includes('application/json')) {
    sendJson(call.res, 200, { name: issued.name, serial: issued.entry.serial, notAfter: issued.entry.notAfter, certificate: issued.chainPem, warnings: issued.warnings });
    return;
  }
  sendBytes(call.res, 'application/x-pem-file', issued.chainPem, { 'x-certificate-serial': issued.entry.serial, 'x-certificate-name': issued.name });
}

const PEM_TYPES = ['application/pkcs10', 'application/x-pem-file', 'application/x-x509-user-cert', 'text/plain'];

interface SignBody {
  csr: Buffer | string;
  profile?: string;
  name?: string;
  days?: number;
  force?: boolean;
}

/** A CSR as the body (PEM or DER), or JSON `{"csr", "profile", "name", "days"}`; 415 for anything else. */
async function requestBody(req: IncomingMessage, mayBeEmpty = false): Promise<Partial<SignBody> & { csr: Buffer | string }> {
  const type = mediaType(req);
  const bytes = await readBody(req);
  if (bytes.length === 0 && mayBeEmpty) return { csr: Buffer.alloc(0) } as SignBody;
  if (type === 'application/json') {
    const data = parseJson(bytes);
    if (typeof data.csr !== 'string') throw usageError('the JSON has no "csr": give the request as PEM text');
    const out: SignBody = { csr: data.csr };
    // Text fields must be text: `"name": null` or `["a"]` is refused, not turned into "null" or "a".
    if (data.profile !== undefined) out.profile = textField(data.profile, 'profile');
    if (data.name !== undefined) out.name = textField(data.name, 'name');
    if (data.force !== undefined) out.force = data.force === true;
    if (data.days !== undefined) {
      if (!Number.isInteger(data.days) || (data.days as number) < 1) throw usageError(`"days" must be a whole number of at least 1`);
      out.days = data.days as number;
    }
    return out;
  }
  if (PEM_TYPES.includes(type)) return { csr: bytes };
  throw new HttpError(415, 'unsupported-media-type', `a request body of type ${JSON.stringify(type || 'none')} is not understood`, { accept: ['application/json', ...PEM_TYPES].join(', ') });
}

/** The request's media type, without parameters (`application/json; charset=utf-8`). */
function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = mediaType(req);
  const bytes = await readBody(req);
  if (type !== 'application/json') throw new HttpError(415, 'unsupported-media-type', 'send application/json', { accept: 'application/json' });
  return parseJson(bytes);
}

function textField(value: unknown, field: string): string {
  if (typeof value !== 'string') throw usageError(`"${field}" must be a string`);
  return value;
}

function parseJson(bytes: Buffer): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw usageError(`the body is not valid JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw usageError('the body is not a JSON object');
  return data as Record<string, unknown>;
}
