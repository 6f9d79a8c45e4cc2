/**
 * Wraps a command's body: builds its context and sends anything it throws through the funnel. A body
 * may return an exit status: `verify` and `status` report a negative result (exit 1) that is not an
 * error.
 */
import { createContext, type Context } from './context.js';
import { reportError } from './funnel.js';
import type { GlobalArgs } from './options.js';

export function handler<A extends GlobalArgs>(
  action: (args: A) => string,
  body: (args: A, ctx: Context) => Promise<number | void>,
): (args: A) => Promise<void> {
  return async (args: A) => {
    const ctx = createContext(args);
    try {
      const status = await body(args, ctx);
      if (typeof status === 'number') process.exitCode = status;
    } catch (err) {
      process.exitCode = reportError(action(args), err, { verbose: ctx.verbose, color: args.color });
    }
  };
}
