/** `ca renew NAME`: the same certificate again with a new serial and validity (optionally a new key). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { Context } from '../context.js';
import { CA_PROMPT, caFlags, keyFlags, newSecret, secretSource } from '../passphrase.js';
import {
  caPassphraseOptions,
  keyChoiceOf,
  keyOptions,
  keyPassphraseOptions,
  lifetimeOptions,
  type CaPassphraseArgs,
  type GlobalArgs,
  type KeyArgs,
  type KeyPassphraseArgs,
  type LifetimeArgs,
} from '../options.js';

interface Args extends GlobalArgs, KeyPassphraseArgs, CaPassphraseArgs, LifetimeArgs, KeyArgs {
  name: string;
  'new-key'?: boolean;
  parent?: string;
  'parent-passphrase'?: string;
  'parent-passphrase-file'?: string;
  server?: string;
  cert?: string;
  key?: string;
}

export const renewCommand: CommandModule<GlobalArgs, Args> = {
  command: 'renew [name]',
  describe: 'the same certificate with a new serial and validity',
  builder: (y) => {
    let b = y.positional('name', { type: 'string', describe: 'the certificate to renew (ca: the CA itself)' });
    b = lifetimeOptions(b, { days: "the profile's (825)" });
    b = keyPassphraseOptions(b, 'with --new-key: encrypt the new key with this passphrase');
    b = caPassphraseOptions(b);
    b = keyOptions(b, 'with --new-key: the old key type', 'the old key size');
    return b
      .option('new-key', { type: 'boolean', describe: 'generate a new key too (the old one is replaced in the store)' })
      .option('parent', { type: 'string', describe: "with `ca renew ca` of an intermediate: the parent's store, which signs it" })
      .option('parent-passphrase', { type: 'string', describe: "passphrase of the parent's CA key (env CA_PARENT_PASSPHRASE)" })
      .option('parent-passphrase-file', { type: 'string', describe: "read the parent's CA passphrase from the first line of a file" })
      .option('server', { type: 'string', describe: 'renew through `ca serve` at this URL, with --cert and --key (no store needed)' })
      .option('cert', { type: 'string', describe: 'with --server: the certificate to renew; replaced in place' })
      .option('key', { type: 'string', describe: 'with --server: its key (replaced too with --new-key)' })
      .group(['parent-passphrase', 'parent-passphrase-file'], 'Passphrases:')
      .group(['server', 'cert', 'key'], 'Renewal through ca serve:')
      .example('ca renew server1', 'same key, new serial and validity')
      .example('ca renew --new-key --days 90 alice', 'a new key and a 90-day certificate')
      .example('ca renew ca', "the CA's own certificate: same key, new validity")
      .example('ca renew --server https://10.0.0.1:6060 --cert etcd1.crt --key etcd1.key', 'from cron or a systemd timer on the node') as Argv<Args>;
  },
  handler: handler<Args>(
    (args) => `renew ${args.name ?? args.cert ?? 'the certificate'}`,
    async (args, ctx) => {
      if (args.server !== undefined) return renewThroughServer(args, ctx);
      const { renewCertificate } = await import('../../ca/renew.js');
      const { renewCa } = await import('../../ca/renew-ca.js');
      const { validateName } = await import('../../pki/name.js');
      const { parseLifetime } = await import('../../pki/validity.js');
      const { usageError } = await import('../../error.js');
      if (args.name === undefined) throw usageError('`ca renew` needs a NAME', 'or --server URL --cert FILE --key FILE to renew through `ca serve`');
      if (args.cert !== undefined || args.key !== undefined) throw usageError('--cert and --key go with --server');
      const name = args.name === 'ca' ? 'ca' : validateName(args.name);
      const lifetime = parseLifetime(args.days, args.years, ctx.now);
      if (name !== 'ca' && args.parent !== undefined) throw usageError('--parent goes with `ca renew ca`', 'a certificate is renewed by its own store');
      const keyFlagsGiven = [args['key-type'], args.curve, args['key-bits'], args.passphrase, args['passphrase-file']].some((v) => v !== undefined);
      if (!args['new-key'] && keyFlagsGiven) {
        throw usageError('--key-type, --curve, --key-bits and --passphrase go with --new-key', 'without --new-key the key stays as it is');
      }
      const keyChoice = await keyChoiceOf(args);
      const passphrase = args['new-key'] ? await newSecret(ctx, undefined, keyFlags(args)) : undefined;
      const caPassphrase = secretSource(ctx, CA_PROMPT, caFlags(args));
      if (name === 'ca') {
        if (args['new-key']) throw usageError('the CA is renewed with its own key', 'a new CA key is a new CA: `ca init --force`');
        const parent =
          args.parent === undefined
            ? undefined
            : {
                dir: args.parent,
                passphrase: secretSource(ctx, 'Passphrase of the parent CA key:', {
                  flag: '--parent-passphrase',
                  value: args['parent-passphrase'],
                  file: args['parent-passphrase-file'],
                  env: 'CA_PARENT_PASSPHRASE',
                }),
              };
        const renewed = await renewCa({ storeDir: ctx.storeDir, lifetime, caPassphrase, parent, now: ctx.now });
        renewed.warnings.forEach((w) => ctx.out.warn(w));
        if (ctx.json) return ctx.out.json({ ...renewed.entry, path: renewed.path });
        ctx.out.success(`Renewed the CA: serial ${renewed.entry.serial}, valid until ${renewed.entry.notAfter.slice(0, 10)}, same key and subject.`);
        ctx.out.info(
          renewed.entry.profile === 'intermediate'
            ? 'Every certificate it issued keeps verifying. Next: export certificates again (`ca export NAME`): NAME.crt carries the new intermediate.'
            : 'Every certificate it issued keeps verifying. Next: give the new ca.crt (`ca export | tar xvf -`) to every member and client.',
        );
        return;
      }
      const issued = await renewCertificate({
        storeDir: ctx.storeDir,
        name,
        newKey: Boolean(args['new-key']),
        keyChoice,
        passphrase,
        lifetime,
        caPassphrase,
        now: ctx.now,
      });
      issued.warnings.forEach((w) => ctx.out.warn(w));
      if (ctx.json) return ctx.out.json({ ...issued.entry, path: issued.path, newKey: issued.newKey });
      ctx.out.success(`Renewed ${name}: serial ${issued.entry.serial}, valid until ${issued.entry.notAfter.slice(0, 10)}${issued.newKey ? ', with a new key' : ''}; the old certificate is superseded.`);
      ctx.out.info(`Next: \`ca export ${name} | tar xvf -\` and install the new certificate.`);
    },
  ),
};

/** `ca renew --server`: cron-safe renewal of a certificate a node holds, in place (exit 0 or 1). */
async function renewThroughServer(args: Args, ctx: Context): Promise<void> {
  const { usageError } = await import('../../error.js');
  if (args.cert === undefined || args.key === undefined) throw usageError('--server needs --cert and --key', 'the certificate to renew and its key');
  if (args.name !== undefined) throw usageError('with --server, give --cert and --key, not a NAME');
  const { renewRemote } = await import('../remote.js');
  const choice = await keyChoiceOf(args);
  const { resolveKeySpec } = await import('../../pki/key-type.js');
  const keySpec = choice.type || choice.curve || choice.bits ? resolveKeySpec(choice, undefined, 2048) : undefined;
  if (keySpec && !args['new-key']) throw usageError('--key-type, --curve and --key-bits go with --new-key');
  const r = await renewRemote({ server: args.server!, cert: args.cert, key: args.key, newKey: Boolean(args['new-key']), keySpec });
  if (ctx.json) return ctx.out.json({ cert: args.cert, key: args.key, ...r });
  ctx.out.success(`Renewed ${args.cert}: serial ${r.serial}, valid until ${r.notAfter.slice(0, 10)}${r.newKey ? `, with a new key in ${args.key}` : ''}.`);
  ctx.out.info('Reload the service that uses it.');
}
