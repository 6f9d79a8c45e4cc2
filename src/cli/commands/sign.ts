/** `ca sign NAME` and `ca sign --csr FILE [NAME]`: the CA signs a request. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { Context } from '../context.js';
import type { Lifetime } from '../../pki/validity.js';
import { CA_PROMPT, caFlags, givenSecret, keyFlags, secretSource } from '../passphrase.js';
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
  server?: string;
  cert?: string;
  key?: string;
  token?: string;
  'token-file'?: string;
  fingerprint?: string;
}

export const signCommand: CommandModule<GlobalArgs, Args> = {
  command: 'sign [name]',
  describe: 'sign a pending request, or an outside CSR (--csr), with the CA',
  builder: (y) => {
    let b = y.positional('name', { type: 'string', describe: 'the request to sign; with --csr, the name to record' });
    b = lifetimeOptions(b, { days: '825' });
    b = caPassphraseOptions(b);
    b = keyPassphraseOptions(b, 'the CA key passphrase, as etcd-ca took it');
    b = forceOption(b, 'with --csr: replace a certificate of the same name');
    return b
      .option('profile', { type: 'string', describe: 'server, client or peer', defaultDescription: "new-cert's; peer with --csr" })
      .option('csr', { type: 'string', describe: 'sign this PKCS#10 request (PEM or DER) made elsewhere' })
      .option('out', { type: 'string', describe: 'with --csr: write the certificate here instead of stdout' })
      .option('server', { type: 'string', describe: 'with --csr: have `ca serve` at this URL sign it (Magnum\'s ca-sign)' })
      .option('cert', { type: 'string', describe: "with --server: an administrator's client certificate" })
      .option('key', { type: 'string', describe: 'with --server: its key' })
      .option('token', { type: 'string', describe: 'with --server: an enrollment token instead (prefer --token-file)' })
      .option('token-file', { type: 'string', describe: 'read the token from the first line of a file' })
      .option('fingerprint', { type: 'string', describe: "with --server: the CA's SHA-256 fingerprint (with --cert, the CA that issued it is trusted)" })
      .group(['server', 'cert', 'key', 'token', 'token-file', 'fingerprint'], 'Signing through ca serve:')
      .example('ca sign etcd1', 'sign the request made by `ca new-cert etcd1`')
      .example('ca sign --csr web.csr --profile server web', 'a CSR made by openssl req')
      .example('ca sign --server https://ca:6060 --cert ops.crt --key ops.key --csr web.csr > web.crt', "Magnum's ca-sign, through ca serve") as Argv<Args>;
  },
  handler: handler<Args>(
    (args) => (args.csr ? `sign ${args.csr}` : `sign ${args.name ?? 'the request'}`),
    async (args, ctx) => {
      const { validateName, validateNewName } = await import('../../pki/name.js');
      const { parseLifetime } = await import('../../pki/validity.js');
      const { usageError } = await import('../../error.js');
      const lifetime = parseLifetime(args.days, args.years, ctx.now);
      if (args.server !== undefined) return signThroughServer(args, ctx, lifetime);
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
        ctx.out.info(
          issued.keyEncrypted
            ? `Next: \`ca export --insecure ${issued.name} | tar xvf -\` gives ${issued.name}.crt, ${issued.name}.key decrypted (as etcd, nginx and Docker read it; its passphrase is asked) and ca.crt; without --insecure the key stays encrypted.`
            : `Next: \`ca export ${issued.name} | tar xvf -\` gives ${issued.name}.crt, ${issued.name}.key and ca.crt.`,
        );
        return;
      }
      const { signExternal } = await import('../../ca/sign.js');
      const name = args.name === undefined ? undefined : validateNewName(args.name);
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

/** `ca sign --server`: Magnum's ca-sign, the chain on stdout or in --out. */
async function signThroughServer(args: Args, ctx: Context, lifetime: Lifetime | undefined): Promise<void> {
  const { usageError } = await import('../../error.js');
  const { readInputFile } = await import('../../ca/sign.js');
  const { writeOutputFile } = await import('../../ca/output-file.js');
  const { signRemote } = await import('../remote.js');
  if (args.csr === undefined) throw usageError('--server signs a request given with --csr FILE');
  if ((args.cert === undefined) !== (args.key === undefined)) throw usageError('--cert and --key go together');
  const token = await givenSecret(ctx, { flag: '--token', value: args.token, file: args['token-file'], env: 'CA_TOKEN' });
  if (args.cert === undefined && token === undefined) throw usageError('signing through ca serve needs a credential', "give an administrator's --cert and --key, or --token-file");
  if (lifetime && 'years' in lifetime) throw usageError('through ca serve, give --days');
  const r = await signRemote({
    server: args.server!,
    csr: await readInputFile(args.csr, '--csr'),
    cert: args.cert,
    key: args.key,
    token,
    fingerprint: args.fingerprint,
    profile: args.profile,
    name: args.name,
    days: lifetime && 'days' in lifetime ? lifetime.days : undefined,
  });
  r.warnings.forEach((w) => ctx.out.warn(w));
  if (args.out !== undefined) {
    await writeOutputFile({ path: args.out, data: r.chain, holdsKey: false, force: Boolean(args.force) });
    if (ctx.json) return ctx.out.json({ name: r.name, serial: r.serial, out: args.out });
    ctx.out.success(`Signed ${args.csr} as ${r.name} (serial ${r.serial}): wrote ${args.out}.`);
    return;
  }
  if (ctx.json) return ctx.out.json({ name: r.name, serial: r.serial, certificate: r.chain });
  ctx.out.result(r.chain);
  ctx.out.success(`Signed ${args.csr} as ${r.name} (serial ${r.serial}).`);
}
