/**
 * What a command handler gets from the outside world: where the store is, the clock, whether a person
 * is at a terminal, and where to write. Only the CLI layer reads argv, env and TTYs (STYLE.md).
 */
import { readFileSync } from 'node:fs';
import { loadPalette, type Palette } from '../ui/color.js';
import type { GlobalArgs } from './options.js';
import { storeHints, type HintRewriter } from './hints.js';
import { givenStore, locateStore } from './store-location.js';
import { printable, safeJson } from './text.js';

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
  /** names the command's store in the `ca …` commands a message quotes (hints.ts) */
  hints: HintRewriter;
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
}

let version: string | undefined;

/** clusterca's version, from its package.json (read once). */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}

export function colorEnabled(args: { color?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(process.stderr.isTTY) && args.color !== false && env.NO_COLOR === undefined;
}

export async function createContext(args: GlobalArgs, env: NodeJS.ProcessEnv = process.env, { searchStore = true } = {}): Promise<Context> {
  const colors = await loadPalette(colorEnabled(args, env));
  const quiet = Boolean(args.quiet);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const hints = storeHints({ flag: args.store, env: env.CA_STORE || undefined });
  const out: Output = {
    result: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    json: (value) => process.stdout.write(`${safeJson(value)}\n`),
    success: (text) => quiet || err(`${colors.success('✔')} ${printable(hints(text))}`),
    info: (text) => quiet || err(printable(hints(text))),
    warn: (text) => err(`${colors.warning('warning:')} ${printable(hints(text))}`),
    colors,
    hints,
  };
  let storeDir: string | undefined;
  return {
    // Looked for when a command first needs it: `ca enroll` in a directory below a store never does.
    get storeDir() {
      if (storeDir === undefined) {
        const found = locateStore(givenStore(args.store, env), searchStore);
        if (found.above) out.info(`Using the store ${found.dir} (found above the working directory; --store to choose another).`);
        storeDir = found.dir;
      }
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
  };
}
