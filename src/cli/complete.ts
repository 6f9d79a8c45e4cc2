/**
 * The words a shell completes after `ca … <TAB>` (yargs' `--get-yargs-completions`): yargs' own
 * (commands, flags, choices), plus what only the store knows: certificate names where a command
 * takes one, pending requests for `ca sign`, profiles after `--profile`, commands after `ca help`;
 * and nothing where a file is wanted, so that the shell completes paths there.
 */
import type { Arguments } from 'yargs';
import { createContext } from './context.js';
import type { GlobalArgs } from './options.js';

/** Commands whose NAME is a certificate in the store (`sign` takes a pending request). */
const TAKES_CERTIFICATE = new Set(['export', 'show', 'chain', 'revoke', 'renew']);

type Filter = (onCompleted?: (err: Error | null, completions: string[] | undefined) => void) => unknown;

export function completer(commands: string[]) {
  return (current: string, argv: Arguments, filter: Filter, done: (completions: string[]) => unknown): void => {
    filter((_err, found = []) => {
      // A file wanted: no words, so the shell completes paths (bash -o default, zsh _default, fish below).
      if (wantsFile(current, argv)) return void done([]);
      // yargs offering only values (a flag's choices): nothing of ours belongs there.
      if (found.length > 0 && found.every((w) => !w.startsWith('-')) && previousWord()?.startsWith('-')) return void done(found);
      void extra(current, argv, commands)
        .catch(() => ({ words: [] as string[], only: false }))
        .then(({ words, only }) => {
          const fitting = words.filter((w) => w.startsWith(current));
          // After a flag that takes a value, only its values: not every flag again.
          done(only ? fitting : [...found, ...fitting.filter((w) => !found.includes(w))]);
        });
    });
  };
}

/** Commands whose argument is a file (`ca inspect FILE`, `ca verify FILE`). */
const TAKES_FILE = new Set(['inspect', 'verify']);

/** After a flag that names a file (`--password-file`, `--out`), or where a command's FILE goes. */
function wantsFile(current: string, argv: Arguments): boolean {
  if (current.startsWith('-')) return false;
  const previous = previousWord() ?? '';
  if (/^--[\w-]*-file$/.test(previous) || previous === '--out') return true;
  const typed = argv._.slice(1).map(String);
  return TAKES_FILE.has(typed[0] ?? '') && typed.length <= 2;
}

/** The word before the one being completed, as the shell passed them. */
function previousWord(): string | undefined {
  return process.argv.slice(process.argv.indexOf('--get-yargs-completions') + 1).at(-2);
}

async function extra(current: string, argv: Arguments, commands: string[]): Promise<{ words: string[]; only: boolean }> {
  const none = { words: [], only: false };
  // The shell passes every word, `ca` first: what follows it is what the user typed.
  const typed = argv._.slice(1).map(String);
  const previous = previousWord();
  const command = typed[0] ?? '';
  if (current.startsWith('-')) return none;
  if (command === 'help' && typed.length <= 2) return { words: commands, only: false };
  const wantsProfile = previous === '--profile';
  const positional = typed.length <= 2 && (TAKES_CERTIFICATE.has(command) || command === 'sign');
  if (!wantsProfile && !positional) return none;
  const ctx = await createContext(argv as unknown as GlobalArgs, process.env);
  const { storeNames } = await import('../ca/names.js');
  const names = await storeNames(ctx.storeDir);
  if (wantsProfile) return { words: names.profiles, only: true };
  if (command === 'sign') return { words: names.requests, only: false };
  return { words: command === 'renew' ? ['ca', ...names.certificates] : names.certificates, only: false };
}
