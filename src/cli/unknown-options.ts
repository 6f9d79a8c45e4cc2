/**
 * Flags the command does not know, found before anything else is said about the command line:
 * yargs reports a missing NAME before an unknown flag (`ca new-cert --foo x` said "needs a NAME",
 * as `x` was taken for the flag's value), and a missing command before a mistyped `--versoin`. A
 * mistyped flag gets the nearest known one, as git and kubectl suggest.
 */

/** The flags in argv (before `--`) that are not among `known` (yargs' keys and aliases). */
export function unknownOptions(argv: string[], known: Set<string>): string[] {
  const unknown: string[] = [];
  for (const arg of argv) {
    if (arg === '--') break;
    const m = /^--?([^=]+)/.exec(arg);
    if (!m || /^-\d/.test(arg)) continue;
    const flags = arg.startsWith('--') ? [m[1]!] : [...m[1]!]; // -qv: two short flags
    for (const flag of flags) {
      const bare = flag.replace(/^no-/, '');
      if (!known.has(flag) && !known.has(bare) && !known.has(camel(flag))) unknown.push(`${arg.startsWith('--') ? '--' : '-'}${flag}`);
    }
  }
  return unknown;
}

/** One line: the first unknown flag, and what was perhaps meant. */
export function describeUnknown(unknown: string[], known: Set<string>): string {
  const first = unknown[0]!;
  const guess = nearest(first.replace(/^-+/, ''), [...known].filter((k) => k.length > 1 && !/[A-Z_]/.test(k)));
  const more = unknown.length > 1 ? ` (and ${unknown.slice(1).join(', ')})` : '';
  return `unknown option ${first}${more}${guess ? ` (did you mean --${guess}?)` : ''}`;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The known flag within two edits (Damerau: a swap counts once), when there is exactly one nearest. */
function nearest(typed: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(typed, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
