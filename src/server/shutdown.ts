/**
 * How `ca serve` stops (SPEC "Third wave"): it stops accepting, answers the requests under way with
 * `Connection: close`, closes every keep-alive connection (idle ones at once, busy ones after their
 * answer) and starts nothing new: a request that arrives after the signal, on a connection kept
 * alive, is answered 503 with `Connection: close` before anything is read or issued. Node's own
 * `server.close()` does none of the last three: clients that kept their connections busy were
 * served on (hundreds of certificates issued in the 10 s after SIGTERM). What is still open when
 * the shutdown timeout is over is cut, so the server is done within it whatever clients do.
 */
import type { Server } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { HttpError } from './respond.js';

export class Shutdown {
  private stopping = false;
  /** every socket, from the TCP accept on: one still in its TLS handshake holds the server open too */
  private readonly sockets = new Set<Socket>();
  /** the answers under way, by connection, in the order their requests came (pipelining) */
  private readonly answering = new Map<Socket, ServerResponse[]>();
  private readonly handling = new Set<Promise<void>>();

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Called first for each request: 503 once stopping; else the request counts as under way. */
  admit(res: ServerResponse): void {
    if (this.stopping) {
      throw new HttpError(503, 'stopping', 'the server is stopping; try again in a moment', { connection: 'close', 'retry-after': '5' });
    }
    // The request's socket: a response to a pipelined request has none until the answers before it are sent.
    const socket = (res.req?.socket ?? res.socket) as Socket | null;
    if (!socket) return;
    const queue = this.answering.get(socket) ?? [];
    queue.push(res);
    this.answering.set(socket, queue);
    res.once('close', () => {
      queue.splice(queue.indexOf(res), 1);
      if (queue.length === 0) this.answering.delete(socket);
    });
  }

  /** A request's handling, from its first byte to its log line: stop() waits for it. */
  track(handling: Promise<void>): void {
    this.handling.add(handling);
    void handling.finally(() => this.handling.delete(handling));
  }

  /**
   * Stops as said at the top; resolves when every connection is closed and every request handled
   * (its log line written), by `timeoutMs` at the latest.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const [socket, queue] of this.answering) this.closeAfter(socket, queue.at(-1)!);
    this.server.closeIdleConnections();
    let cut: () => void = () => undefined;
    const deadline = new Promise<void>((resolve) => (cut = resolve));
    const timer = setTimeout(() => {
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
      cut();
    }, timeoutMs);
    try {
      await closed;
      // A request whose connection was cut may still be ending its change in the store.
      await Promise.race([Promise.allSettled([...this.handling]), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The last answer under way on a connection says `Connection: close`, and the connection ends
   * with it. Only the last: Node ends a connection after an answer that says close, and the answers
   * to requests pipelined before it would be lost though their certificates were issued.
   */
  private closeAfter(socket: Socket, last: ServerResponse): void {
    if (!last.headersSent) last.setHeader('connection', 'close');
    if (last.writableFinished) socket.end();
    else last.once('finish', () => socket.end());
  }
}
