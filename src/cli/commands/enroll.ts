/** `ca enroll`: a node gets its certificate from `ca serve` with an enrollment token (SPEC "Online CA"). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { forceOption, keyChoiceOf, keyOptions, type GlobalArgs, type KeyArgs } from '../options.js';

interface Args extends GlobalArgs, KeyArgs {
  name?: string;
  server: string;
  fingerprint: string;
  token?: string;
  'token-file'?: string;
  out: string;
  force?: boolean;
}

export const enrollCommand: CommandModule<GlobalArgs, Args> = {
  command: 'enroll [name]',
  describe: 'get a certificate from `ca serve` with a token: the key is made here and never leaves',
  builder: (y) => {
    let b = y.positional('name', { type: 'string', describe: 'the name to ask for (a token may fix it)' });
    b = keyOptions(b, 'rsa', '2048');
    b = forceOption(b, 'replace files already in --out');
    return b
      .option('server', { type: 'string', demandOption: true, describe: 'the URL `ca serve` printed' })
      .option('fingerprint', { type: 'string', demandOption: true, describe: "the CA's SHA-256 fingerprint (`ca show ca`), colons optional" })
      .option('token', { type: 'string', describe: 'the enrollment token (`ca token create`); visible in ps: prefer --token-file' })
      .option('token-file', { type: 'string', describe: 'read the token from the first line of a file' })
      .option('out', { type: 'string', default: '.', describe: 'directory for NAME.crt, NAME.key (0600) and ca.crt; made 0700 if missing' })
      .group(['server', 'fingerprint', 'token', 'token-file', 'out'], 'Enrollment:')
      .example('ca enroll --server https://10.0.0.1:6060 --fingerprint 43:58:…:51 --token-file t.txt --out /etc/etcd/pki', 'NAME.crt, NAME.key, ca.crt') as Argv<Args>;
  },
  handler: handler<Args>(
    () => 'enroll',
    async (args, ctx) => {
      const { enroll } = await import('../remote.js');
      const { resolveKeySpec } = await import('../../pki/key-type.js');
      const { validateName } = await import('../../pki/name.js');
      const { usageError } = await import('../../error.js');
      const { givenSecret } = await import('../passphrase.js');
      const token = await givenSecret(ctx, { flag: '--token', value: args.token, file: args['token-file'], env: 'CA_TOKEN' });
      if (token === undefined) throw usageError('an enrollment needs a token', 'pass --token-file FILE (or --token, or CA_TOKEN)');
      const done = await enroll({
        server: args.server,
        fingerprint: args.fingerprint,
        token,
        name: args.name === undefined ? undefined : validateName(args.name),
        outDir: args.out,
        keySpec: resolveKeySpec(await keyChoiceOf(args), undefined, 2048),
        force: Boolean(args.force),
      });
      if (ctx.json) return ctx.out.json(done);
      for (const p of done.paths) ctx.out.result(p);
      ctx.out.success(`Enrolled as ${done.name} (serial ${done.serial}, valid until ${done.notAfter.slice(0, 10)}); the key never left this machine.`);
      ctx.out.info(`Renew before then: \`ca renew --server ${args.server} --cert ${done.paths[0]} --key ${done.paths[1]}\` (a cron job or a systemd timer).`);
    },
  ),
};
