/**
 * Wraps a command's body: builds its context and sends anything it throws through the funnel. A body
 * may return an exit status: `verify` and `status` report a negative result (exit 1) that is not an
 * error.
 */
import { CaError } from '../error.js';
import { askConfirm } from '../ui/prompt.js';
import { createContext, type Context } from './context.js';
import { reportError } from './funnel.js';
import type { GlobalArgs } from './options.js';

export function handler<A extends GlobalArgs & { force?: boolean | undefined }>(
  action: (args: A) => string,
  body: (args: A, ctx: Context) => Promise<number | void>,
  /** `ca init` makes a store where it is told: it never looks for one above */
  { searchStore = true } = {},
): (args: A) => Promise<void> {
  return async (args: A) => {
    const ctx = await createContext(args, process.env, { searchStore });
    try {
      const status = await confirmingForce(args, ctx, body);
      if (typeof status === 'number') process.exitCode = status;
    } catch (err) {
      process.exitCode = reportError(action(args), err, { verbose: ctx.verbose, colors: ctx.out.colors, hints: ctx.out.hints });
    }
  };
}

/**
 * Where only --force would let a command go ahead, a person at the terminal is asked instead; yes
 * runs the command again with --force (the failed run changed nothing; passphrases typed are kept
 * in the context). Scripts, with no terminal, get the error and its hint.
 */
async function confirmingForce<A extends { force?: boolean | undefined }>(
  args: A,
  ctx: Context,
  body: (args: A, ctx: Context) => Promise<number | void>,
): Promise<number | void> {
  try {
    return await body(args, ctx);
  } catch (err) {
    if (!(err instanceof CaError && err.needsForce && ctx.interactive && !args.force)) throw err;
    if (!(await askConfirm(`${err.message}. Replace it?`))) throw err;
    return body({ ...args, force: true }, ctx);
  }
}
