/**
 * The first thing `ca` does (bin/ca.js), before the CLI is loaded: for a command that makes a key
 * of the store's default spec, start that key, so that OpenSSL works on it while Node loads the
 * CLI, parses and opens the store (docs/performance.md, "Start-up"). Built into a bundle of its
 * own (dist/bundle/early.cjs, a few KB) and synchronous up to the moment the key is handed to the
 * thread pool: the CLI's bundle, read and compiled next, keeps the thread busy for ~30 ms. A
 * guess from argv alone: when wrong, it costs one key that nobody takes (ca/leaf-key.ts). Any key
 * flag, --help or --server starts nothing.
 */
import { startLeafKey, type StartedKey } from '../ca/leaf-key.js';
import { givenStore, locateStore } from './store-location.js';

const KEY_COMMANDS = ['new-cert', 'create-api-certificate', 'create-node-certificate', 'create-control-certificate'];
// A shell asking for completions (`--get-yargs-completions`) runs no command.
const NO_GUESS = /^(--key-type|--curve|--key-bits|--help|-h|--server|--get-yargs-completions)(=|$)/;

export function startEarlyKey(argv: string[], env: NodeJS.ProcessEnv): StartedKey | undefined {
  const store = storeFlag(argv);
  const command = argv.find((a) => !a.startsWith('-') && a !== store);
  if (!KEY_COMMANDS.includes(command ?? '') || argv.some((a) => NO_GUESS.test(a))) return undefined;
  try {
    return startLeafKey(locateStore(givenStore(store, env), true).dir);
  } catch {
    // Nothing started: the command finds the same problem and says it.
    return undefined;
  }
}

function storeFlag(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--store' || a.startsWith('--store='));
  if (i < 0) return undefined;
  return argv[i]!.startsWith('--store=') ? argv[i]!.slice('--store='.length) : argv[i + 1];
}
