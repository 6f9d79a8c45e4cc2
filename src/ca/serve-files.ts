/** What `ca serve` reads besides the store: its listen address, and clair's certificate files. */
import { isIP } from 'node:net';
import { usageError } from '../error.js';
import { MAX_INPUT_BYTES } from '../pki/csr.js';
import { readLimited } from '../store/file.js';

/** `HOST:PORT`, `[IPv6]:PORT`; the port 0 to 65535 (0: any free one). */
export function parseListen(input: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(input) ?? /^([^:[\]]+):(\d{1,5})$/.exec(input);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw usageError(`invalid --listen ${JSON.stringify(input)}`, 'give HOST:PORT, e.g. 127.0.0.1:6060 or [::1]:6060');
  return { host: m[1]!, port };
}

/** The names the server's own certificate gets from its listen address (not 0.0.0.0 or ::). */
export function listenNames(host: string): { ips: string[]; domains: string[] } {
  if (isIP(host)) return host === '0.0.0.0' || host === '::' ? { ips: [], domains: [] } : { ips: [host], domains: [] };
  return { ips: [], domains: [host] };
}

export async function readServerFile(path: string, flag: string): Promise<string> {
  return (await readLimited(path, MAX_INPUT_BYTES, `${flag} `)).toString('utf8');
}
