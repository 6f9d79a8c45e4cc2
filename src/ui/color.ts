/**
 * Colour for the words people scan for (success, warning, error). Only on a terminal, never with
 * NO_COLOR (no-color.org) or --no-color: piped output has no escape codes. chalk is loaded only
 * when colour is on, so scripts do not pay for it at start-up.
 */
export interface Palette {
  success(text: string): string;
  warning(text: string): string;
  error(text: string): string;
  strong(text: string): string;
  dim(text: string): string;
}

const same = (text: string) => text;
export const PLAIN: Palette = { success: same, warning: same, error: same, strong: same, dim: same };

export async function loadPalette(enabled: boolean): Promise<Palette> {
  if (!enabled) return PLAIN;
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: 1 });
  return {
    success: (t) => chalk.green(t),
    warning: (t) => chalk.yellow(t),
    error: (t) => chalk.red(t),
    strong: (t) => chalk.bold(t),
    dim: (t) => chalk.dim(t),
  };
}
