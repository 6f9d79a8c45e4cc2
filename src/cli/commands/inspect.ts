/** `ca inspect FILE`: any certificate, chain, request, CRL, PKCS#12 file or key, described; no store needed. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { Context } from '../context.js';
import type { GlobalArgs } from '../options.js';

interface Args extends GlobalArgs {
  file: string;
  password?: string;
  'password-file'?: string;
}

export const inspectCommand: CommandModule<GlobalArgs, Args> = {
  command: 'inspect <file>',
  describe: 'describe a certificate, chain, CSR, CRL or PKCS#12 file (PEM or DER); no store needed',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'the file; what it holds is told by its content' })
      .option('password', { type: 'string', describe: 'password of a PKCS#12 file (visible in ps: prefer --password-file or env CA_P12_PASSWORD)' })
      .option('password-file', { type: 'string', describe: 'read the PKCS#12 password from the first line of a file' })
      .example('ca inspect etcd1.crt', 'subject, issuer, SANs, usages, validity, fingerprint, key')
      .example('ca inspect --password-file pass.txt alice.p12', 'the certificates and key in a PKCS#12 file')
      .example('ca inspect --json chain.pem', 'each certificate of a chain, as JSON') as Argv<Args>,
  handler: handler<Args>(
    (args) => `inspect ${args.file}`,
    async (args, ctx) => {
      const inspected = await inspectArgument(args.file, args, ctx);
      const { fileReport } = await import('../file-report.js');
      if (ctx.json) return ctx.out.json(inspected);
      ctx.out.result(fileReport(inspected));
    },
  ),
};

/** The file described; its PKCS#12 password from the flags, CA_P12_PASSWORD, or a prompt on a terminal. */
export async function inspectArgument(file: string, args: Pick<Args, 'password' | 'password-file'>, ctx: Context) {
  const { inspectFile } = await import('../../ca/inspect-file.js');
  const { secretSource } = await import('../passphrase.js');
  const password = secretSource(ctx, `Password of ${file}:`, { flag: '--password', value: args.password, file: args['password-file'], env: 'CA_P12_PASSWORD' });
  return inspectFile({ path: file, now: ctx.now, password });
}
