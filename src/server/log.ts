/**
 * The audit log (SPEC "Limits", "Third wave"): one JSON line for every issuance, renewal,
 * revocation and refusal, on stderr or in a file: time, credential (an administrator's or holder's
 * serial, a token's id), client address, serial, name, SANs, outcome. Never text from a request
 * body, and never a secret: the fields are chosen here and filled by the server with what ca/ has
 * checked (a serial, a name, SANs of a certificate issued) or with the server's own words (a
 * route, a status, an error code), never with an error message, which may quote the request.
 */
import { constants, type FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { failure } from '../error.js';

export interface LogEvent {
  event: 'sign' | 'renew' | 'revoke' | 'refused' | 'refused-summary' | 'start' | 'stop' | 'error';
  outcome?: 'issued' | 'renewed' | 'revoked' | 'refused' | undefined;
  route?: string | undefined;
  status?: number | undefined;
  /** the error code of the answer (`unauthenticated`, `bad-request`…): a word of ours, never the request's */
  code?: string | undefined;
  credential?: string | null | undefined;
  client?: string | undefined;
  serial?: string | undefined;
  name?: string | undefined;
  sans?: string[] | undefined;
  /** refused-summary: refusals from `client` since `since` that have no line of their own */
  notLogged?: number | undefined;
  since?: string | undefined;
  /** error: what failed inside the server (an answer 500) */
  error?: string | undefined;
  listen?: string | undefined;
}

export type Logger = ((event: LogEvent) => void) & {
  /** every line handed over is written, and the file closed */
  close(): Promise<void>;
};

/** The audit log on stderr, or in `file` (opened now: a file we may not use stops the start). */
export async function openLog(file: string | undefined): Promise<Logger> {
  if (file === undefined) {
    return Object.assign((event: LogEvent) => void process.stderr.write(line(event)), { close: async () => undefined });
  }
  const handle = await openLogFile(file);
  // One descriptor for the server's life (O_APPEND), lines written in order, one after another;
  // a failed write must not stop the server.
  let chain: Promise<unknown> = Promise.resolve();
  const warn = (err: Error) => process.stderr.write(`warning: cannot write the log ${file}: ${err.message}\n`);
  const log = (event: LogEvent) => {
    const text = line(event);
    chain = chain.then(() => handle.write(text)).catch(warn);
  };
  const close = async () => {
    await chain;
    await handle.close();
  };
  return Object.assign(log, { close });
}

/**
 * Opens `--log FILE` for appending, as ssh checks its own files: not through a symbolic link
 * (O_NOFOLLOW), and checked on the open descriptor, so what is checked is what is written (no
 * window between a check and the open). It must be a regular file of the user running `ca serve`;
 * it is made 0600, or an existing one is set to 0600 (the log names clients and credentials).
 * O_NONBLOCK: a FIFO put there must not hang the start; fstat refuses it.
 */
async function openLogFile(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw failure(`--log ${file} is a symbolic link`, 'give the log file itself, not a link to it');
    if (code === 'ENXIO') throw failure(`--log ${file} is not a regular file`, 'give a file: the log is appended to a regular file');
    throw failure(`cannot open --log ${file}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw failure(`--log ${file} is not a regular file`, 'give a file: the log is appended to a regular file');
    const uid = process.geteuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw failure(`--log ${file} belongs to another user (uid ${st.uid})`, 'give a file of the user running `ca serve`, or a new name');
    }
    if ((st.mode & 0o777) !== 0o600) await handle.chmod(0o600);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function line(event: LogEvent): string {
  return `${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`;
}
