/** `ca renew NAME`: the same certificate again with a new serial and validity (optionally a new key). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { CA_PROMPT, caFlags, keyFlags, newSecret, secretSource } from '../passphrase.js';
import {
  caPassphraseOptions,
  keyPassphraseOptions,
  lifetimeOptions,
  type CaPassphraseArgs,
  type GlobalArgs,
  type KeyPassphraseArgs,
  type LifetimeArgs,
} from '../options.js';

interface Args extends GlobalArgs, KeyPassphraseArgs, CaPassphraseArgs, LifetimeArgs {
  name: string;
  'new-key'?: boolean;
  'key-bits'?: string;
}

export const renewCommand: CommandModule<GlobalArgs, Args> = {
  command: 'renew <name>',
  describe: 'the same certificate with a new serial and validity',
  builder: (y) => {
    let b = y.positional('name', { type: 'string', demandOption: true, describe: 'the certificate to renew' });
    b = lifetimeOptions(b, "the profile's (825 days)");
    b = keyPassphraseOptions(b, 'with --new-key: encrypt the new key with this passphrase');
    b = caPassphraseOptions(b);
    return b
      .option('new-key', { type: 'boolean', describe: 'generate a new key too (the old one is replaced in the store)' })
      .option('key-bits', { type: 'string', describe: 'with --new-key: 2048, 3072 or 4096', defaultDescription: 'the old key size' })
      .example('ca renew server1', 'same key, new serial and validity')
      .example('ca renew --new-key --days 90 alice', 'a new key and a 90-day certificate') as Argv<Args>;
  },
  handler: handler<Args>(
    (args) => `renew ${args.name}`,
    async (args, ctx) => {
      const { renewCertificate } = await import('../../ca/renew.js');
      const { renewCa } = await import('../../ca/renew-ca.js');
      const { validateName } = await import('../../pki/name.js');
      const { parseKeyBits } = await import('../../pki/key.js');
      const { parseLifetime } = await import('../../pki/validity.js');
      const { usageError } = await import('../../error.js');
      const name = args.name === 'ca' ? 'ca' : validateName(args.name);
      const lifetime = parseLifetime(args.days, args.years, ctx.now);
      if (!args['new-key'] && (args['key-bits'] !== undefined || args.passphrase !== undefined || args['passphrase-file'] !== undefined)) {
        throw usageError('--key-bits and --passphrase go with --new-key', 'without --new-key the key stays as it is');
      }
      const keyBits = args['key-bits'] === undefined ? undefined : parseKeyBits(args['key-bits']);
      const passphrase = args['new-key'] ? await newSecret(ctx, undefined, keyFlags(args)) : undefined;
      const caPassphrase = secretSource(ctx, CA_PROMPT, caFlags(args));
      if (name === 'ca') {
        if (args['new-key']) throw usageError('the CA is renewed with its own key', 'a new CA key is a new CA: `ca init --force`');
        const renewed = await renewCa({ storeDir: ctx.storeDir, lifetime, caPassphrase, now: ctx.now });
        if (ctx.json) return ctx.out.json({ ...renewed.entry, path: renewed.path });
        ctx.out.success(`Renewed the CA: serial ${renewed.entry.serial}, valid until ${renewed.entry.notAfter.slice(0, 10)}, same key and subject.`);
        ctx.out.info('Every certificate it issued keeps verifying. Next: give the new ca.crt (`ca export | tar xvf -`) to every member and client.');
        return;
      }
      const issued = await renewCertificate({
        storeDir: ctx.storeDir,
        name,
        newKey: Boolean(args['new-key']),
        keySpec: keyBits === undefined ? undefined : { type: 'rsa', bits: keyBits },
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
