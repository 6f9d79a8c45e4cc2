/**
 * Hints name the store the command was given. `ca --store prod create-node-certificate` that
 * says "Next: `ca export | tar xvf -`" would send the user to the default store's CA: they would
 * ship the wrong trust anchor. So every `ca …` command quoted in a hint, a success line, a warning
 * or an error gets the same `--store` (or CA_STORE) that this command was run with.
 */
import { DEFAULT_STORE } from './store-location.js';

/**
 * Commands that do not read a store (`enroll`, `completion`, `help`, the remote `--server` ones)
 * and `init`, whose hints name the new store themselves, are left as they are.
 */
const QUOTED_COMMAND = /`ca (?!(?:init|enroll|completion|help)\b|(?:renew|sign|export) --server\b|--store\b)(?=[a-z])/g;

export type HintRewriter = (text: string) => string;

export function storeHints(given: { flag?: string | undefined; env?: string | undefined }): HintRewriter {
  const store = given.flag ?? given.env;
  if (store === undefined || store === DEFAULT_STORE) return (text) => text;
  const prefix = given.flag !== undefined ? `\`ca --store ${shellWord(store)} ` : `\`CA_STORE=${shellWord(store)} ca `;
  return (text) => text.replace(QUOTED_COMMAND, prefix);
}

/** A path as one shell word: as it is when it is plain, else in single quotes. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
