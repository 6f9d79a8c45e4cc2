/** `ca verify FILE`: is this certificate good for this cluster (and this host, this role)? */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { GlobalArgs } from '../options.js';
import { printable } from '../text.js';

interface Args extends GlobalArgs {
  file: string;
  host?: string;
  usage?: 'server' | 'client';
}

export const verifyCommand: CommandModule<GlobalArgs, Args> = {
  command: 'verify <file>',
  describe: 'check a certificate: signature, expiry, revocation, usage, host',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'a certificate, PEM or DER, from the store or anywhere' })
      .option('host', { type: 'string', describe: 'the DNS name or IP it must be valid for' })
      .option('usage', { choices: ['server', 'client'] as const, describe: 'the role it must be allowed (serverAuth / clientAuth)' })
      .example('ca verify server1.crt --host 10.0.0.1 --usage server', 'exit 0 and "valid", or exit 1 and why not')
      .example('ca verify --json alice.crt', 'the verdict as JSON') as Argv<Args>,
  handler: handler<Args>(
    (args) => `verify ${args.file}`,
    async (args, ctx) => {
      const { verifyFile } = await import('../../ca/verify.js');
      const r = await verifyFile({ storeDir: ctx.storeDir, path: args.file, host: args.host, usage: args.usage, now: ctx.now });
      if (ctx.json) {
        ctx.out.json({ file: args.file, valid: r.valid, problems: r.problems, subject: r.description.subject, serial: r.description.serial, notAfter: r.description.notAfter, sans: r.description.sans });
      } else {
        ctx.out.result(printable(r.valid ? `${args.file}: valid` : `${args.file}: not valid: ${r.problems.join('; ')}`));
      }
      return r.valid ? 0 : 1;
    },
  ),
};
