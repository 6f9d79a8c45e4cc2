/** Wraps a command's body: builds its context and sends anything it throws through the funnel. */
import { createContext, type Context } from './context.js';
import { reportError } from './funnel.js';
import type { GlobalArgs } from './options.js';

export function handler<A extends GlobalArgs>(
  action: (args: A) => string,
  body: (args: A, ctx: Context) => Promise<void>,
): (args: A) => Promise<void> {
  return async (args: A) => {
    const ctx = createContext(args);
    try {
      await body(args, ctx);
    } catch (err) {
      process.exitCode = reportError(action(args), err, { verbose: ctx.verbose, color: args.color });
    }
  };
}
