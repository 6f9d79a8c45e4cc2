/**
 * Answers: JSON (errors are `{"error":{"code","message"}}`, SPEC "Online CA") or PEM, and the one
 * place an error becomes an HTTP status.
 */
import type { ServerResponse } from 'node:http';
import { CaError } from '../error.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * A JSON answer with one array too large to hold (every certificate of a large store): written as
 * `prefix`, the items comma-separated, `suffix`, in chunks, waiting for the client to take each.
 */
export async function sendJsonArray(res: ServerResponse, prefix: string, items: AsyncIterable<unknown>, suffix: string): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  let chunk = prefix;
  let first = true;
  for await (const item of items) {
    chunk += `${first ? '' : ','}${JSON.stringify(item)}`;
    first = false;
    if (chunk.length < 65536) continue;
    const more = res.write(chunk);
    chunk = '';
    if (!more) await drainedOrClosed(res);
    if (res.destroyed) return;
  }
  res.end(`${chunk}${suffix}`);
}

/** Until the client took what was written, or went away; leaves no listener behind either way. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

export function sendBytes(res: ServerResponse, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** The status, code and message an error is answered with. */
export function statusOf(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof CaError) {
    const message = err.hint ? `${err.message}; ${err.hint}` : err.message;
    if (err.refusal === 'unauthenticated') return new HttpError(401, 'unauthenticated', message);
    if (err.refusal === 'denied') return new HttpError(403, 'forbidden', message);
    if (err.refusal === 'missing') return new HttpError(404, 'not-found', message);
    if (err.needsForce) return new HttpError(409, 'conflict', message);
    // Every other refusal is about what was sent: a request the CLI would refuse too.
    return new HttpError(400, 'bad-request', message);
  }
  return new HttpError(500, 'internal', 'the server failed; see its log');
}

export function sendError(res: ServerResponse, err: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  sendJson(res, err.status, { error: { code: err.code, message: err.message } });
}
