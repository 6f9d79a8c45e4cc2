/** `ca list`: every certificate and pending request, with how each stands today. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { GlobalArgs } from '../options.js';
import { renderTable } from '../table.js';
import { printable } from '../text.js';

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
      const rows = await listCertificates({ storeDir: ctx.storeDir, now: ctx.now });
      if (ctx.json) return ctx.out.json(rows);
      const table = rows.map((r) => [
        r.name,
        r.profile,
        r.state,
        'notAfter' in r ? r.notAfter.slice(0, 10) : '-',
        r.sans.join(',') || '-',
      ]);
      const tty = Boolean(process.stdout.isTTY);
      if (rows.length > 0) ctx.out.result(renderTable(['NAME', 'PROFILE', 'STATUS', 'NOT AFTER', 'SANS'], table.map((r) => r.map(printable)), tty));
    },
  ),
};
