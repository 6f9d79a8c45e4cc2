// `ca serve` as a child process on loopback (a free port), and an HTTPS client to talk to it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { CA_BIN } from './ca.js';

/** Starts `ca serve` in `cwd` (on a free port unless `args` has --listen); resolves once it listens, with its URL and a way to stop it. */
export function startServe(cwd, args = [], { env = {}, timeoutMs = 20_000 } = {}) {
  const listen = args.includes('--listen') ? [] : ['--listen', '127.0.0.1:0'];
  const child = spawn(process.execPath, [CA_BIN, 'serve', ...listen, ...args], {
    cwd,
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CA_'))), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ca serve did not start:\n${stderr}`)), timeoutMs);
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /Serving the CA at (https:\/\/\S+) \(trust anchor SHA-256 ([0-9A-F:]+)\)/.exec(stderr);
      if (m && timer) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          fingerprint: m[2],
          child,
          exited,
          log: () => stderr,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    exited.then(({ code }) => reject(new Error(`ca serve exited ${code}:\n${stderr}`)));
  });
}

const read = (f) => (f ? readFileSync(f) : undefined);

/**
 * One HTTPS request: `ca` (a file) to verify the server, `cert`/`key` files for a client
 * certificate. Resolves with { status, headers, body (Buffer), text, json() }.
 */
export function https(url, { method = 'GET', ca, cert, key, headers = {}, body, timeoutMs = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca: read(ca), cert: read(cert), key: read(key), headers: { ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}), ...headers }, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, body: buf, text: buf.toString('utf8'), json: () => JSON.parse(buf.toString('utf8')) });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
