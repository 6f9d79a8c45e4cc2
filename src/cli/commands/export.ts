/** `ca export [NAME]`: certificates and keys as a tar on stdout or in a file (etcd-ca's export). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { secretSource } from '../passphrase.js';
import {
  caPassphraseOptions,
  forceOption,
  keyPassphraseOptions,
  type CaPassphraseArgs,
  type GlobalArgs,
  type KeyPassphraseArgs,
} from '../options.js';

interface Args extends GlobalArgs, KeyPassphraseArgs, CaPassphraseArgs {
  name?: string;
  insecure?: boolean;
  'include-ca-key'?: boolean;
  format: string;
  out?: string;
  force?: boolean;
}

export const exportCommand: CommandModule<GlobalArgs, Args> = {
  command: 'export [name]',
  describe: 'write NAME.crt, NAME.key and ca.crt as a tar (ca.crt alone without NAME)',
  builder: (y) => {
    let b = y.positional('name', { type: 'string', describe: 'the certificate to export' });
    b = keyPassphraseOptions(b, "the exported key's passphrase, to write it decrypted with --insecure");
    b = caPassphraseOptions(b);
    b = forceOption(b, 'replace an existing --out file');
    return b
      .option('insecure', { type: 'boolean', describe: 'write keys decrypted' })
      .option('include-ca-key', { type: 'boolean', describe: 'also export the CA key (it can issue certificates for the cluster)' })
      .option('format', { type: 'string', choices: ['tar'], default: 'tar', describe: 'archive format' })
      .option('out', { type: 'string', describe: 'write to this file instead of stdout' })
      .group(['format', 'out', 'insecure', 'include-ca-key'], 'Output:')
      .example('ca export | tar xvf -', 'ca.crt, for every member and client')
      .example('ca export --insecure --passphrase-file p.txt etcd1 | tar xvf -', 'etcd1.crt, etcd1.key (decrypted) and ca.crt') as Argv<Args>;
  },
  handler: handler<Args>(
    (args) => `export ${args.name ?? 'the CA certificate'}`,
    async (args, ctx) => {
      const { usageError } = await import('../../error.js');
      const { validateName } = await import('../../pki/name.js');
      const name = args.name === undefined ? undefined : validateName(args.name);
      if (args.out === undefined && process.stdout.isTTY) {
        throw usageError(
          'refusing to write a tar archive to the terminal',
          `pipe it (\`ca export ${name ?? ''} | tar xvf -\`) or pass --out FILE`.replace('  |', ' |'),
        );
      }
      const { exportBundle } = await import('../../ca/export.js');
      const caSource = { flag: '--ca-passphrase', value: args['ca-passphrase'], file: args['ca-passphrase-file'], env: 'CA_PASSPHRASE' };
      const keySource = { flag: '--passphrase', value: args.passphrase, file: args['passphrase-file'] };
      const result = await exportBundle({
        storeDir: ctx.storeDir,
        name,
        insecure: Boolean(args.insecure),
        passphrase: secretSource(ctx, `Passphrase of the key of ${name}:`, keySource),
        caPassphrase: secretSource(ctx, 'Passphrase of the CA key:', caSource, ...(name ? [] : [keySource])),
        includeCaKey: Boolean(args['include-ca-key']),
        format: 'tar',
        now: ctx.now,
      });
      result.warnings.forEach((w) => ctx.out.warn(w));
      const listing = result.names.join(', ');
      if (args.out !== undefined) {
        const { writeOutputFile } = await import('../../ca/output-file.js');
        await writeOutputFile({ path: args.out, data: result.data, holdsKey: result.holdsKey, force: Boolean(args.force) });
        ctx.out.success(`Wrote ${args.out} (${listing}).`);
        return;
      }
      const { pipeline } = await import('node:stream/promises');
      const { Readable } = await import('node:stream');
      await pipeline(Readable.from([result.data]), process.stdout);
      ctx.out.info(`Exported ${listing}${result.holdsKey ? '; keep the .key files secret' : ''}.`);
    },
  ),
};
