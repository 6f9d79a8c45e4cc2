/**
 * `ca` itself (bin/ca.js runs it): takes the key that bin/ca.js started before loading the CLI
 * (early-key.ts), then runs the command line (parser.ts).
 */
import { offerLeafKey, type StartedKey } from '../ca/leaf-key.js';
import { runCommandLine } from './parser.js';

export async function main(argv: string[], early?: StartedKey): Promise<void> {
  // `ca list --json | head`: the reader leaving early is not an error of ours.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  if (early) offerLeafKey(early);
  await runCommandLine(argv);
}
