/**
 * The audit log (SPEC "Limits"): one JSON line for every issuance, renewal, revocation and
 * refusal, on stderr or in a file: time, credential (an administrator's or holder's serial, a
 * token's id), client address, serial, name, SANs, outcome. Secrets never: no token secret, no
 * request body, no key, no passphrase reaches it (the fields are chosen here, not passed through).
 */
import { open } from 'node:fs/promises';

export interface LogEvent {
  event: 'sign' | 'renew' | 'revoke' | 'refused' | 'start' | 'stop' | 'error';
  outcome?: 'issued' | 'renewed' | 'revoked' | 'refused' | undefined;
  route?: string | undefined;
  status?: number | undefined;
  credential?: string | null | undefined;
  client?: string | undefined;
  serial?: string | undefined;
  name?: string | undefined;
  sans?: string[] | undefined;
  reason?: string | undefined;
  listen?: string | undefined;
}

export type Logger = ((event: LogEvent) => void) & {
  /** every line handed over is written, and the file closed */
  close(): Promise<void>;
};

export function makeLogger(file: string | undefined): Logger {
  if (file === undefined) {
    return Object.assign((event: LogEvent) => void process.stderr.write(line(event)), { close: async () => undefined });
  }
  // One descriptor for the server's life (O_APPEND), lines written in order, one after another;
  // a failed write must not stop the server.
  const handle = open(file, 'a', 0o600);
  let chain: Promise<unknown> = handle;
  const warn = (err: Error) => process.stderr.write(`warning: cannot write the log ${file}: ${err.message}\n`);
  const log = (event: LogEvent) => {
    const text = line(event);
    chain = chain.then(async () => (await handle).write(text)).catch(warn);
  };
  const close = async () => {
    await chain;
    await (await handle.catch(() => undefined))?.close();
  };
  return Object.assign(log, { close });
}

function line(event: LogEvent): string {
  return `${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`;
}
