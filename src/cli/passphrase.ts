/**
 * Where passphrases come from (SPEC "Passphrases"): a flag, a file, an environment variable, or, only
 * when a person is at the terminal, a hidden prompt. Without a terminal nothing is ever prompted, so
 * a script can fail but never hang. A passphrase given on argv is visible to other users in `ps`,
 * which earns a warning.
 */
import { readFile, stat } from 'node:fs/promises';
import { usageError, failure } from '../error.js';
import { askNewSecret, askSecret } from '../ui/prompt.js';
import type { Context } from './context.js';

export interface SecretFlags {
  /** e.g. "--ca-passphrase" */
  flag: string;
  value?: string | undefined;
  file?: string | undefined;
  /** an environment variable, e.g. CA_PASSPHRASE */
  env?: string | undefined;
}

/** The CA key's sources (SPEC: --ca-passphrase always means the CA key; env CA_PASSPHRASE). */
export function caFlags(args: { 'ca-passphrase'?: string | undefined; 'ca-passphrase-file'?: string | undefined }): SecretFlags {
  return { flag: '--ca-passphrase', value: args['ca-passphrase'], file: args['ca-passphrase-file'], env: 'CA_PASSPHRASE' };
}

/** The sources of the passphrase of the key a command works on. */
export function keyFlags(args: { passphrase?: string | undefined; 'passphrase-file'?: string | undefined }): SecretFlags {
  return { flag: '--passphrase', value: args.passphrase, file: args['passphrase-file'] };
}

export const CA_PROMPT = 'Passphrase of the CA key:';

/** A passphrase asked for only when it turns out to be needed (the key is encrypted). */
export type SecretSource = () => Promise<string | undefined>;

/** The first of the given sources that is set; undefined when none is. */
export async function givenSecret(ctx: Context, ...sources: SecretFlags[]): Promise<string | undefined> {
  const given = sources.flatMap((s) => [
    ...(s.value !== undefined ? [{ from: s.flag, read: async () => s.value! }] : []),
    ...(s.file !== undefined ? [{ from: `${s.flag}-file`, read: () => readSecretFile(s.file!, `${s.flag}-file`) }] : []),
  ]);
  if (given.length > 1) {
    throw usageError(`${given.map((g) => g.from).join(' and ')} both give the passphrase`, 'give it once');
  }
  checkGiven(sources);
  if (given.length === 1) {
    if (given[0]!.from.endsWith('passphrase') || given[0]!.from.endsWith('password')) {
      ctx.out.warn(`a secret given with ${given[0]!.from} is visible to other users in ps; prefer ${given[0]!.from}-file`);
    }
    return given[0]!.read();
  }
  for (const s of sources) {
    // An empty variable counts as unset, as for CA_STORE.
    if (s.env && ctx.env[s.env]) return ctx.env[s.env];
  }
  return undefined;
}

/**
 * `--passphrase "$p"` with $p unset must not quietly mean "no encryption" (SPEC "Trust of the
 * store"): a secret flag with no value is a usage error, whether or not the secret is needed.
 */
function checkGiven(sources: SecretFlags[]): void {
  for (const s of sources) {
    if (s.value === '') throw usageError(`${s.flag} was given no value`, `give the secret, or leave ${s.flag} out`);
    if (s.file === '') throw usageError(`${s.flag}-file was given no file name`, `name the file that holds the secret, or leave ${s.flag}-file out`);
  }
}

/**
 * For decrypting: what was given, else a prompt on a terminal, else nothing (the caller reports
 * it). A passphrase typed at the prompt may be typed again after a wrong one (`again`).
 */
export function secretSource(ctx: Context, prompt: string, ...sources: SecretFlags[]): SecretSource {
  checkGiven(sources);
  let cached: Promise<string | undefined> | undefined;
  let prompted = false;
  const given = givenSecret(ctx, ...sources);
  given.catch(() => undefined); // reported when asked for
  const source = () => {
    cached ??= given.then((value) => {
      if (value !== undefined || !ctx.interactive) return value;
      prompted = true;
      return remembered(ctx, prompt, () => askSecret(prompt));
    });
    return cached;
  };
  const again = async () => {
    if (!prompted) return undefined;
    process.stderr.write('Wrong passphrase; try again.\n');
    cached = askSecret(prompt);
    ctx.answers.set(prompt, cached);
    return cached;
  };
  return Object.assign(source, { again });
}

/**
 * For a new key: what was given, else (on a terminal, when there is a prompt) asked twice. Typed
 * at a prompt it must be at least MIN_TYPED characters (an empty answer means none): a person
 * choosing at a prompt gets the rule, a script's file or variable is taken as it is.
 */
export async function newSecret(ctx: Context, prompt: string | undefined, ...sources: SecretFlags[]): Promise<string | undefined> {
  const value = await givenSecret(ctx, ...sources);
  if (value !== undefined) return value;
  if (prompt && ctx.interactive) return remembered(ctx, prompt, () => askNewSecret(prompt, MIN_TYPED));
  return undefined;
}

export const MIN_TYPED = 8;

function remembered(ctx: Context, prompt: string, ask: () => Promise<string>): Promise<string | undefined> {
  let answer = ctx.answers.get(prompt);
  if (!answer) {
    answer = ask();
    ctx.answers.set(prompt, answer);
  }
  return answer;
}

async function readSecretFile(path: string, flag: string): Promise<string> {
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) throw failure(`${flag} ${path} is a directory`, 'give the file that holds the passphrase');
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw failure(`${flag} ${path} does not exist`, 'check the path');
    if (code === 'EACCES') throw failure(`${flag} ${path} cannot be read: permission denied`);
    throw err;
  }
  // The first line, as openssl's -passin file: reads it; a trailing newline is not part of it.
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw failure(`${flag} ${path} is empty`, 'write the passphrase on its first line');
  return line;
}
