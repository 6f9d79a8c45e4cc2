/**
 * `ca` itself (bin/ca.js runs it): starts the early key (early-key.ts), then loads and runs the
 * command line (parser.ts). Kept this small so that the key starts before yargs is compiled.
 */
import { startEarlyKey } from './early-key.js';

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  // `ca list --json | head`: the reader leaving early is not an error of ours.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  // Awaited first: loading the parser keeps the thread busy, and the key would start after it.
  await startEarlyKey(argv, process.env);
  const { runCommandLine } = await import('./parser.js');
  await runCommandLine(argv);
}
