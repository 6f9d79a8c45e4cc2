/** `ca sign NAME` and `ca sign --csr FILE [NAME]`: the CA signs a request. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { CA_PROMPT, caFlags, keyFlags, secretSource } from '../passphrase.js';
import {
  caPassphraseOptions,
  forceOption,
  keyPassphraseOptions,
  lifetimeOptions,
  type CaPassphraseArgs,
  type GlobalArgs,
  type KeyPassphraseArgs,
  type LifetimeArgs,
} from '../options.js';

interface Args extends GlobalArgs, KeyPassphraseArgs, CaPassphraseArgs, LifetimeArgs {
  name?: string;
  csr?: string;
  out?: string;
  profile?: string;
  force?: boolean;
}

export const signCommand: CommandModule<GlobalArgs, Args> = {
  command: 'sign [name]',
  describe: 'sign a pending request, or an outside CSR (--csr), with the CA',
  builder: (y) => {
    let b = y.positional('name', { type: 'string', describe: 'the request to sign; with --csr, the name to record' });
    b = lifetimeOptions(b, '825 days');
    b = caPassphraseOptions(b);
    b = keyPassphraseOptions(b, 'the CA key passphrase, as etcd-ca took it');
    b = forceOption(b, 'with --csr: replace a certificate of the same name');
    return b
      .option('profile', { type: 'string', describe: 'server, client or peer', defaultDescription: "new-cert's; peer with --csr" })
      .option('csr', { type: 'string', describe: 'sign this PKCS#10 request (PEM or DER) made elsewhere' })
      .option('out', { type: 'string', describe: 'with --csr: write the certificate here instead of stdout' })
      .example('ca sign etcd1', 'sign the request made by `ca new-cert etcd1`')
      .example('ca sign --csr web.csr --profile server web', 'a CSR made by openssl req') as Argv<Args>;
  },
  handler: handler<Args>(
    (args) => (args.csr ? `sign ${args.csr}` : `sign ${args.name ?? 'the request'}`),
    async (args, ctx) => {
      const { validateName } = await import('../../pki/name.js');
      const { parseLifetime } = await import('../../pki/validity.js');
      const { usageError } = await import('../../error.js');
      const lifetime = parseLifetime(args.days, args.years, ctx.now);
      // etcd-ca took the CA's passphrase as --passphrase; both are accepted, once.
      const caPassphrase = secretSource(ctx, CA_PROMPT, caFlags(args), keyFlags(args));
      if (args.csr === undefined) {
        if (args.name === undefined) throw usageError('give the NAME of the request to sign, or --csr FILE');
        if (args.out !== undefined) throw usageError('--out goes with --csr', 'the certificate of NAME is written to the store');
        const { signPending } = await import('../../ca/sign.js');
        const issued = await signPending({
          storeDir: ctx.storeDir,
          name: validateName(args.name),
          profile: args.profile,
          lifetime,
          caPassphrase,
          now: ctx.now,
        });
        issued.warnings.forEach((w) => ctx.out.warn(w));
        if (ctx.json) return ctx.out.json({ ...issued.entry, path: issued.path });
        ctx.out.success(`Signed ${issued.name}: ${issued.path} (${issued.entry.profile}, valid until ${issued.entry.notAfter.slice(0, 10)}).`);
        ctx.out.info(`Next: \`ca export ${issued.name} | tar xvf -\` gives ${issued.name}.crt, ${issued.name}.key and ca.crt.`);
        return;
      }
      const { signExternal } = await import('../../ca/sign.js');
      const name = args.name === undefined ? undefined : validateName(args.name);
      const issued = await signExternal({
        storeDir: ctx.storeDir,
        csrPath: args.csr,
        name,
        profile: args.profile ?? 'peer',
        lifetime,
        caPassphrase,
        force: Boolean(args.force),
        out: args.out,
        now: ctx.now,
      });
      issued.warnings.forEach((w) => ctx.out.warn(w));
      if (args.out !== undefined) {
        if (ctx.json) return ctx.out.json({ ...issued.entry, path: issued.path, out: issued.outPath });
        ctx.out.success(`Signed ${args.csr} as ${issued.name} (${issued.entry.profile}): wrote ${args.out}.`);
        return;
      }
      if (ctx.json) return ctx.out.json({ ...issued.entry, path: issued.path, certificate: issued.chainPem });
      ctx.out.result(issued.chainPem);
      ctx.out.success(`Signed ${args.csr} as ${issued.name} (${issued.entry.profile}); also kept in ${issued.path}.`);
    },
  ),
};
