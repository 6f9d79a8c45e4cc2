/**
 * Colour for the words people scan for (success, warning, error). Only on a terminal, never with
 * NO_COLOR (no-color.org) or --no-color: piped output has no escape codes.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface Palette {
  success(text: string): string;
  warning(text: string): string;
  error(text: string): string;
  strong(text: string): string;
  dim(text: string): string;
}

export function palette(enabled: boolean): Palette {
  const chalk: ChalkInstance = new Chalk({ level: enabled ? 1 : 0 });
  return {
    success: (t) => chalk.green(t),
    warning: (t) => chalk.yellow(t),
    error: (t) => chalk.red(t),
    strong: (t) => chalk.bold(t),
    dim: (t) => chalk.dim(t),
  };
}
