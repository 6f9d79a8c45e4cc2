/**
 * What a command handler gets from the outside world: where the store is, the clock, whether a person
 * is at a terminal, and where to write. Only the CLI layer reads argv, env and TTYs (STYLE.md).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { loadPalette, type Palette } from '../ui/color.js';
import type { GlobalArgs } from './options.js';
import { printable, safeJson } from './text.js';

export const DEFAULT_STORE = '.ca';

export interface Output {
  /** results: stdout */
  result(text: string): void;
  json(value: unknown): void;
  /** messages: stderr, unless --quiet */
  success(text: string): void;
  info(text: string): void;
  /** warnings: stderr, always */
  warn(text: string): void;
  colors: Palette;
}

export interface Context {
  storeDir: string;
  now: Date;
  /** a person can answer a prompt */
  interactive: boolean;
  /** stderr is a terminal: progress may be drawn */
  progress: boolean;
  json: boolean;
  verbose: boolean;
  env: NodeJS.ProcessEnv;
  out: Output;
  /** answers typed at prompts, by prompt, so a command run again does not ask twice */
  answers: Map<string, Promise<string | undefined>>;
  /** clusterca's version */
  version: string;
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function colorEnabled(args: { color?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(process.stderr.isTTY) && args.color !== false && env.NO_COLOR === undefined;
}

/**
 * SPEC "Ecosystem": the store is found as git finds its repository, `./.ca` or the nearest `.ca` in
 * a parent directory, without crossing into another file system (git's default too); `--store` and
 * CA_STORE win. Said on stderr when it is not `./.ca`.
 */
function locateStore(args: GlobalArgs, env: NodeJS.ProcessEnv, search: boolean, out: Output): string {
  // An empty CA_STORE (`CA_STORE= ca …`) means unset, not the working directory.
  const given = args.store ?? (env.CA_STORE || undefined);
  if (given !== undefined || !search) return given ?? DEFAULT_STORE;
  const cwd = process.cwd();
  const device = statSync(cwd).dev;
  for (let dir = cwd; ; dir = dirname(dir)) {
    const candidate = join(dir, DEFAULT_STORE);
    const found = statSync(candidate, { throwIfNoEntry: false });
    if (found?.isDirectory()) {
      if (dir === cwd) return DEFAULT_STORE;
      const shown = relative(cwd, candidate);
      out.info(`Using the store ${shown} (found above the working directory; --store to choose another).`);
      return shown;
    }
    const parent = dirname(dir);
    if (parent === dir || statSync(parent).dev !== device) return DEFAULT_STORE;
  }
}

export async function createContext(args: GlobalArgs, env: NodeJS.ProcessEnv = process.env, { searchStore = true } = {}): Promise<Context> {
  const colors = await loadPalette(colorEnabled(args, env));
  const quiet = Boolean(args.quiet);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const out: Output = {
    result: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    json: (value) => process.stdout.write(`${safeJson(value)}\n`),
    success: (text) => quiet || err(`${colors.success('✔')} ${printable(text)}`),
    info: (text) => quiet || err(printable(text)),
    warn: (text) => err(`${colors.warning('warning:')} ${printable(text)}`),
    colors,
  };
  let storeDir: string | undefined;
  return {
    // Looked for when a command first needs it: `ca enroll` in a directory below a store never does.
    get storeDir() {
      storeDir ??= locateStore(args, env, searchStore, out);
      return storeDir;
    },
    now: new Date(),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    progress: Boolean(process.stderr.isTTY) && !quiet,
    json: Boolean(args.json),
    verbose: Boolean(args.verbose),
    env,
    out,
    answers: new Map(),
    version: packageVersion(),
  };
}
