/**
 * The audit log (SPEC "Limits"): one JSON line for every issuance, renewal, revocation and
 * refusal, on stderr or in a file: time, credential (an administrator's or holder's serial, a
 * token's id), client address, serial, name, SANs, outcome. Secrets never: no token secret, no
 * request body, no key, no passphrase reaches it (the fields are chosen here, not passed through).
 */
import { appendFile } from 'node:fs/promises';

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

export type Logger = (event: LogEvent) => void;

export function makeLogger(file: string | undefined): Logger {
  let chain: Promise<void> = Promise.resolve();
  return (event) => {
    const line = `${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`;
    if (file === undefined) {
      process.stderr.write(line);
      return;
    }
    // In order, one after another; a failed write must not stop the server.
    chain = chain
      .then(() => appendFile(file, line, { mode: 0o600 }))
      .catch((err: Error) => {
        process.stderr.write(`warning: cannot write the log ${file}: ${err.message}\n`);
      });
  };
}
