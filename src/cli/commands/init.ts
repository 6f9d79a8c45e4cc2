/** `ca init [NAME]`: create the store and its CA. */
import { basename } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { caFlags, keyFlags, newSecret } from '../passphrase.js';
import { startProgress } from '../../ui/progress.js';
import {
  caPassphraseOptions,
  forceOption,
  keyPassphraseOptions,
  lifetimeOptions,
  subjectOptions,
  type CaPassphraseArgs,
  type GlobalArgs,
  type KeyPassphraseArgs,
  type LifetimeArgs,
  type SubjectArgs,
} from '../options.js';

interface Args extends GlobalArgs, KeyPassphraseArgs, CaPassphraseArgs, SubjectArgs, LifetimeArgs {
  name?: string;
  'path-length': string;
  force?: boolean;
}

export const initCommand: CommandModule<GlobalArgs, Args> = {
  command: 'init [name]',
  describe: 'create the store and a self-signed CA',
  builder: (y) => {
    let b = y.positional('name', { type: 'string', describe: "the CA's common name", defaultDescription: 'the directory name' });
    b = subjectOptions(b, 4096);
    b = lifetimeOptions(b, '10');
    b = keyPassphraseOptions(b, 'encrypt the CA key with this passphrase (empty: not encrypted)');
    b = caPassphraseOptions(b);
    b = forceOption(b, 'replace an existing store (the old one is kept beside it)');
    return b
      .option('path-length', { type: 'string', default: '0', describe: 'how many intermediate CAs may sit below this one' })
      .example('ca init --organization Acme', 'a CA named after the directory, key unencrypted')
      .example('ca init --passphrase-file pass.txt prod-cluster', 'a CA whose key is encrypted')
      .example('ca init --store /srv/pki/etcd --key-bits 3072 --years 5 etcd', 'another store, a smaller key, 5 years') as Argv<Args>;
  },
  handler: handler<Args>(
    () => 'create the CA',
    async (args, ctx) => {
      const { checkInit, initCa, parsePathLength } = await import('../../ca/init.js');
      const { parseSubject } = await import('../subject-args.js');
      const { parseKeyBits } = await import('../../pki/key.js');
      const { parseLifetime } = await import('../../pki/validity.js');
      const { askText } = await import('../../ui/prompt.js');
      parseSubject(args.name ?? basename(process.cwd()), args); // bad flags are reported before any question
      await checkInit(ctx.storeDir, Boolean(args.force));
      const name = args.name ?? (ctx.interactive ? await askText('Name of the CA:', basename(process.cwd())) : basename(process.cwd()));
      const subject = parseSubject(name, args);
      const keyBits = parseKeyBits(args['key-bits']);
      const lifetime = parseLifetime(args.days, args.years, ctx.now);
      const pathLength = parsePathLength(args['path-length']);
      const passphrase = await newSecret(
        ctx,
        'Passphrase for the CA key (empty for none):',
        keyFlags(args),
        caFlags(args),
      );
      const progress = startProgress(`Generating a ${keyBits}-bit RSA key for the CA…`, ctx.progress && keyBits > 2048);
      const result = await initCa({
        dir: ctx.storeDir,
        subject,
        keySpec: { type: 'rsa', bits: keyBits },
        lifetime,
        pathLength,
        passphrase,
        force: Boolean(args.force),
        now: ctx.now,
      }).finally(() => progress.stop());
      result.warnings.forEach((w) => ctx.out.warn(w));
      if (ctx.json) {
        ctx.out.json({
          store: result.dir,
          name: subject.commonName,
          clusterId: result.clusterId,
          certificate: `${result.dir}/ca.crt`,
          key: `${result.dir}/ca.key`,
          encrypted: result.encrypted,
          notAfter: result.notAfter,
          replaced: result.replaced ?? null,
        });
        return;
      }
      if (result.replaced) ctx.out.info(`The previous store was moved to ${result.replaced}.`);
      ctx.out.success(`Created the CA "${subject.commonName}" in ${ctx.storeDir} (cluster ${result.clusterId}, valid until ${result.notAfter.slice(0, 10)}).`);
      ctx.out.info('Next: `ca new-cert --ip 10.0.0.1 server1` then `ca sign server1`; give `ca export | tar xvf -` (ca.crt) to every member.');
    },
  ),
};
