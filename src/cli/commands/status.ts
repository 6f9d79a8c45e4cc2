/** `ca status`: what expires soon, with exit 1 when anything needs attention (cron, monitoring). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { GlobalArgs } from '../options.js';

interface Args extends GlobalArgs {
  within: string;
}

export const statusCommand: CommandModule<GlobalArgs, Args> = {
  command: 'status',
  describe: 'what expires soon; exit 1 if anything does',
  builder: (y) =>
    y
      .option('within', { type: 'string', default: '30', describe: 'days ahead that count as expiring' })
      .example('ca status || mail -s expiring ops@example.com', 'from cron')
      .example('ca status --within 60 --json', 'for monitoring') as Argv<Args>,
  handler: handler<Args>(
    () => 'report the status',
    async (args, ctx) => {
      const { statusReport } = await import('../../ca/inspect.js');
      const { positive } = await import('../../pki/validity.js');
      const days = positive(args.within, '--within');
      const r = await statusReport({ storeDir: ctx.storeDir, now: ctx.now, withinDays: days });
      if (ctx.json) {
        ctx.out.json(r);
      } else {
        const lines = [`ca: ${describe(r.ca.state, r.ca.notAfter, r.ca.daysLeft)}`];
        for (const c of r.attention) lines.push(`${c.name}: ${describe(c.state, c.notAfter, c.daysLeft)}`);
        if (r.ok) lines.push(`Nothing expires within ${days} days.`);
        ctx.out.result(lines.join('\n'));
      }
      return r.ok ? 0 : 1;
    },
  ),
};

function describe(state: string, notAfter: string, daysLeft: number): string {
  const date = notAfter.slice(0, 10);
  if (state === 'expired') return `expired on ${date}`;
  if (state === 'expiring') return `expires in ${daysLeft} days (${date})`;
  return `valid until ${date} (${daysLeft} days)`;
}
