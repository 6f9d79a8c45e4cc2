/** `ca doctor`: the store's health, a line per finding with its fix; exit 1 on any `fail`. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { GlobalArgs } from '../options.js';
import { printable } from '../text.js';

interface Args extends GlobalArgs {
  within: string;
}

export const doctorCommand: CommandModule<GlobalArgs, Args> = {
  command: 'doctor',
  describe: 'check the store: permissions, CA and CRL expiry, index, keys, trust store, expiring certificates',
  builder: (y) =>
    y
      .option('within', { type: 'string', default: '30', describe: 'days ahead that count as expiring' })
      .example('ca doctor', 'ok / warn / fail, each with its fix; exit 1 on any fail')
      .example('ca doctor --json --within 60', 'for monitoring') as Argv<Args>,
  handler: handler<Args>(
    () => 'check the store',
    async (args, ctx) => {
      const { positive } = await import('../../pki/validity.js');
      const { examineStore } = await import('../../ca/doctor.js');
      const r = await examineStore({ storeDir: ctx.storeDir, now: ctx.now, withinDays: positive(args.within, '--within'), storeFlag: args.store });
      if (ctx.json) {
        ctx.out.json({ store: r.store, checks: r.checks, ok: r.ok });
      } else {
        // Colour only where the lines go to a terminal: a grep or a log gets them plain.
        const c = ctx.out.colors;
        const paint = process.stdout.isTTY ? { ok: c.success, warn: c.warning, fail: c.error } : { ok: String, warn: String, fail: String };
        const lines = r.checks.map((k) => `${paint[k.state](k.state.padEnd(4))}  ${k.name}: ${printable(k.message)}${k.fix ? ` — fix: ${printable(k.fix)}` : ''}`);
        ctx.out.result(lines.join('\n'));
      }
      return r.ok ? 0 : 1;
    },
  ),
};
