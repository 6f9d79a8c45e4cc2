/**
 * The places an operating system keeps the CAs it trusts (SPEC "Ecosystem": `ca trust`), each
 * behind one interface, as mkcert has them: the system store, NSS databases (Firefox, Chromium on
 * Linux) and Java's cacerts. Each says what it did, or why it cannot be used here.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failure } from '../error.js';

/** The CA as the trust stores get it. */
export interface Anchor {
  /** the root certificate, PEM */
  pem: string;
  /** the name it is kept under everywhere: clusterca-<cn>-<first 8 hex of its SHA-256> */
  nickname: string;
}

export interface TrustStore {
  readonly name: 'system' | 'nss' | 'java';
  /** why it cannot be used on this machine, or undefined when it can */
  unavailable(): Promise<string | undefined>;
  /** where the anchor is (one line per place), empty when it is nowhere */
  installed(anchor: Anchor): Promise<string[]>;
  /** what was done, one line per place */
  install(anchor: Anchor): Promise<string[]>;
  uninstall(anchor: Anchor): Promise<string[]>;
}

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a trust-store tool (certutil, keytool, update-ca-certificates) with a bounded time. */
export function runTool(cmd: string, args: string[]): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? failure(`${cmd} is not installed`) : err));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs a tool that must succeed; its own last words are the error otherwise. */
export async function mustRun(cmd: string, args: string[], what: string): Promise<string> {
  const r = await runTool(cmd, args);
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').filter(Boolean).at(-1) ?? `exit status ${r.status}`;
    throw failure(`${what} failed: ${cmd}: ${why}`, process.getuid?.() === 0 ? undefined : 'it may need root: sudo ca trust …');
  }
  return r.stdout;
}

/** Whether `path` is a regular file (following links). */
export const isFile = (path: string): Promise<boolean> => stat(path).then((s) => s.isFile(), () => false);

/** Whether a program is on PATH. */
export async function onPath(cmd: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    if (await access(`${dir}/${cmd}`, constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

/**
 * The anchor as a file, for the tools that read one (certutil, keytool, security): in a private
 * temporary directory, removed afterwards. (/dev/stdin is not a file a child can open when its
 * standard input is a socket, as Node gives it.)
 */
export async function withAnchorFile<T>(a: Anchor, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'clusterca-trust-'));
  try {
    const file = join(dir, `${a.nickname}.pem`);
    await writeFile(file, a.pem, { mode: 0o600 });
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
