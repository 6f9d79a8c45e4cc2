/** `ca list`: every certificate and pending request, with how each stands today. */
import { once } from 'node:events';
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { GlobalArgs } from '../options.js';
import type { Listed } from '../../ca/inspect.js';
import { tableLayout } from '../table.js';
import { printable, writeJsonArray } from '../text.js';

const HEADER = ['NAME', 'PROFILE', 'STATUS', 'NOT AFTER', 'SANS'];

function cells(r: Listed): string[] {
  return [r.name, r.profile, r.state, 'notAfter' in r ? r.notAfter.slice(0, 10) : '-', r.sans.join(',') || '-'].map(printable);
}

export const listCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'list',
  describe: 'certificates and pending requests, with their status',
  builder: (y) =>
    y
      .example('ca list', 'a table on a terminal, tab-separated columns when piped')
      .example("ca list | awk '$3 == \"expiring\"'", 'certificates about to expire') as Argv<GlobalArgs>,
  handler: handler<GlobalArgs>(
    () => 'list the certificates',
    async (_args, ctx) => {
      const { listCertificates } = await import('../../ca/inspect.js');
      const { archived, recent } = await listCertificates({ storeDir: ctx.storeDir, now: ctx.now });
      // Waits for a pipe to take what was written: a reader slower than the archive is read would
      // otherwise have every line of a million-certificate store queued in memory.
      const write = async (text: string) => {
        if (!process.stdout.write(text)) await once(process.stdout, 'drain');
      };
      async function* all(): AsyncGenerator<Listed> {
        yield* archived;
        yield* recent;
      }
      if (ctx.json) return writeJsonArray(all(), write);
      // Columns as wide as the index's rows need: each archived certificate is of a name the index
      // has (a name's current certificate is never archived).
      const table = tableLayout(HEADER, recent.map(cells), Boolean(process.stdout.isTTY));
      let lines = table.header === undefined ? [] : [table.header];
      let any = false;
      for await (const row of all()) {
        any = true;
        lines.push(table.line(cells(row)));
        if (lines.length >= 1000) {
          await write(`${lines.join('\n')}\n`);
          lines = [];
        }
      }
      if (any && lines.length > 0) await write(`${lines.join('\n')}\n`);
    },
  ),
};
