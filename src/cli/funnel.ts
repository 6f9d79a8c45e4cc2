/**
 * The one place errors become output and exit statuses (SPEC "Output and errors"): one line,
 * "error: failed to <action>: <cause>", then the hint on the same line; exit 1 for a failure, 2 for
 * bad usage; a stack trace only with --verbose. Handlers never call process.exit.
 */
import { CaError } from '../error.js';
import { PLAIN, loadPalette, type Palette } from '../ui/color.js';
import { colorEnabled } from './context.js';
import { printable } from './text.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT: what a shell reports for a command stopped with Ctrl-C */
export const EXIT_INTERRUPTED = 130;

export interface FunnelOptions {
  verbose: boolean;
  colors: Palette;
  /** names the command's store in the commands a message quotes */
  hints?: (text: string) => string;
}

export function reportError(action: string, err: unknown, options: FunnelOptions): number {
  if (isBrokenPipe(err)) return 0; // `ca export | head`: the reader left; nothing to report
  if (err instanceof CaError && err.kind === 'interrupted') return EXIT_INTERRUPTED; // they know: they pressed Ctrl-C
  const { colors } = options;
  const cause = err instanceof CaError ? err.message : describeUnexpected(err);
  const hint = err instanceof CaError && err.hint ? `; ${err.hint}` : '';
  const line = `failed to ${action}: ${cause}${hint}`;
  process.stderr.write(`${colors.error('error:')} ${oneLine(options.hints ? options.hints(line) : line)}\n`);
  if (options.verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return err instanceof CaError && err.kind === 'usage' ? EXIT_USAGE : EXIT_FAILURE;
}

export async function reportUsage(message: string, command: string | undefined, color?: boolean): Promise<number> {
  const colors = await loadPalette(colorEnabled({ color }, process.env)).catch(() => PLAIN);
  const help = command ? `ca ${command} --help` : 'ca --help';
  process.stderr.write(`${colors.error('error:')} ${oneLine(message)}; run \`${help}\` for usage\n`);
  return EXIT_USAGE;
}

/**
 * Errors quote what the user typed; control characters in it (a newline, an escape sequence) are
 * shown escaped, so an error stays one line and cannot drive the terminal.
 */
function oneLine(text: string): string {
  return printable(text);
}

function describeUnexpected(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

export function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}
