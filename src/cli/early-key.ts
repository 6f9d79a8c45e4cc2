/**
 * The first thing `ca` does for a command that makes a key of the store's default spec: start that
 * key (ca/leaf-key.ts) before yargs and the command are loaded, so that OpenSSL works on it while
 * Node compiles and parses (docs/performance.md, "Start-up"). A guess from argv alone: when wrong,
 * it costs one key that nobody takes. Any key flag, --help or --server starts nothing.
 */
import { givenStore, locateStore } from './store-location.js';

const KEY_COMMANDS = ['new-cert', 'create-api-certificate', 'create-node-certificate', 'create-control-certificate'];
// A shell asking for completions (`--get-yargs-completions`) runs no command.
const NO_GUESS = /^(--key-type|--curve|--key-bits|--help|-h|--server|--get-yargs-completions)(=|$)/;

export async function startEarlyKey(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const store = storeFlag(argv);
  const command = argv.find((a) => !a.startsWith('-') && a !== store);
  if (!KEY_COMMANDS.includes(command ?? '') || argv.some((a) => NO_GUESS.test(a))) return;
  try {
    const { startLeafKey } = await import('../ca/leaf-key.js');
    await startLeafKey(locateStore(givenStore(store, env), true).dir);
  } catch {
    // Nothing started: the command finds the same problem and says it.
  }
}

function storeFlag(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--store' || a.startsWith('--store='));
  if (i < 0) return undefined;
  return argv[i]!.startsWith('--store=') ? argv[i]!.slice('--store='.length) : argv[i + 1];
}
