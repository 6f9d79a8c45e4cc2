/**
 * `ca show NAME`: one certificate in words (or --pem, --json). NAME may be a file too (`ca show
 * etcd1.crt`), shown as `ca inspect` shows it: a certificate of the store under that name wins;
 * `./NAME` always means the file (a path is never a name in the store).
 */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { GlobalArgs } from '../options.js';

interface Args extends GlobalArgs {
  name?: string;
  serial?: string;
  pem?: boolean;
}

export const showCommand: CommandModule<GlobalArgs, Args> = {
  command: 'show [name]',
  describe: 'one certificate: names, usages, validity, fingerprint',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'a certificate in the store (ca: the CA), its current one; or a file, as ca inspect shows it' })
      .option('serial', { type: 'string', describe: 'any certificate this CA issued, by serial (hex, colons optional)' })
      .option('pem', { type: 'boolean', describe: 'print the certificate as PEM instead' })
      .example('ca show server1', 'a readable summary')
      .example('ca show ./etcd1.crt', 'a certificate file, as ca inspect shows it')
      .example('ca show --pem ca > ca.crt', "the CA's certificate")
      .example('ca show --serial 4c:5b:77:dc:77:fa:20:05:9e:ab:6a:98:17:27:37:4e', 'a superseded or revoked one') as Argv<Args>,
  handler: handler<Args>(
    (args) => (args.serial !== undefined ? `show serial ${args.serial}` : args.name !== undefined ? `show ${args.name}` : 'show a certificate'),
    async (args, ctx) => {
      const { showCertificate } = await import('../../ca/inspect.js');
      const { CaError, usageError } = await import('../../error.js');
      if ((args.name === undefined) === (args.serial === undefined)) throw usageError('give a NAME or --serial HEX');
      const { isFile } = await import('../../ca/inspect-file.js');
      const { certificateRows, fileReport, rowsText } = await import('../file-report.js');
      const file = args.name !== undefined && (await isFile(args.name)) ? args.name : undefined;
      const shown = await showCertificate({ storeDir: ctx.storeDir, name: args.name, serial: args.serial, now: ctx.now }).catch((err: unknown) => {
        // Not in the store (or no store at all), but a file of that name: the file is what was meant.
        if (file !== undefined && err instanceof CaError) return undefined;
        throw err;
      });
      if (!shown) {
        if (args.pem) throw usageError(`${file} is a file, not a certificate of the store`, `its certificates as PEM: openssl x509 -in ${file}`);
        const { inspectArgument } = await import('./inspect.js');
        const inspected = await inspectArgument(file!, {}, ctx);
        return ctx.json ? ctx.out.json(inspected) : ctx.out.result(fileReport(inspected));
      }
      const { entry, pem, description: d } = shown;
      if (args.pem) return ctx.out.result(pem);
      if (ctx.json) return ctx.out.json({ name: entry.name, profile: entry.profile, status: entry.status, state: entry.state, ...d });
      const rows: [string, string][] = [['Name', `${entry.name} (${entry.profile}, ${entry.state})`], ...certificateRows(d)];
      if (entry.status === 'revoked') rows.push(['Revoked', `${entry.revokedAt} (${entry.revocationReason ?? 'unspecified'})`]);
      ctx.out.result(rowsText(rows));
    },
  ),
};
