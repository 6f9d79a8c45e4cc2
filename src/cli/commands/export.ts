/** `ca export [NAME]`: certificates and keys as a tar, PEM or PKCS#12, on stdout or in a file. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { Context } from '../context.js';
import { CA_PROMPT, caFlags, keyFlags, newSecret, secretSource } from '../passphrase.js';
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
  format?: 'tar' | 'pem' | 'p12';
  out?: string;
  force?: boolean;
  'p12-password'?: string;
  'p12-password-file'?: string;
  'p12-encryption': 'legacy' | 'aes256';
  'p12-iterations': string;
  server?: string;
  fingerprint?: string;
}

export const exportCommand: CommandModule<GlobalArgs, Args> = {
  command: 'export [name]',
  describe: 'NAME.crt, NAME.key and ca.crt as tar, PEM or PKCS#12',
  builder: (y) => {
    let b = y.positional('name', { type: 'string', describe: 'the certificate to export' });
    b = keyPassphraseOptions(b, "the exported key's passphrase, to decrypt it (--insecure, --format p12)");
    b = caPassphraseOptions(b);
    b = forceOption(b, 'replace an existing --out file');
    return b
      .option('format', { choices: ['tar', 'pem', 'p12'] as const, describe: 'tar archive, PEM text (certificate, CA, key) or PKCS#12 [default: tar; pem with --server]' })
      .option('out', { type: 'string', describe: 'write to this file instead of stdout (0600 when it holds a key)' })
      .option('insecure', { type: 'boolean', describe: 'write keys decrypted (tar, pem)' })
      .option('include-ca-key', { type: 'boolean', describe: 'also export the CA key (it can issue certificates for the cluster)' })
      .option('p12-password', { type: 'string', describe: 'password of the PKCS#12 file (env CA_P12_PASSWORD; printable ASCII, never empty)' })
      .option('p12-password-file', { type: 'string', describe: 'read it from the first line of a file' })
      .option('p12-encryption', {
        choices: ['legacy', 'aes256'] as const,
        default: 'legacy' as const,
        describe: 'legacy (3DES, SHA-1 MAC) imports everywhere; aes256 (PBES2, SHA-256 MAC) not into macOS',
      })
      .option('p12-iterations', { type: 'string', default: '2048', describe: 'PBE and MAC iterations (at least 2048)' })
      .group(['format', 'out', 'insecure', 'include-ca-key'], 'Output:')
      .option('server', { type: 'string', describe: "fetch the CA certificate from `ca serve` at this URL instead (Magnum's ca-show)" })
      .option('fingerprint', { type: 'string', describe: "with --server: the CA's SHA-256 fingerprint, which it must match" })
      .group(['p12-password', 'p12-password-file', 'p12-encryption', 'p12-iterations'], 'PKCS#12:')
      .group(['server', 'fingerprint'], 'From ca serve:')
      .example('ca export | tar xvf -', 'ca.crt, for every member and client')
      .example('ca export --insecure etcd1 | tar xvf -', 'etcd1.crt, etcd1.key (decrypted), ca.crt')
      .example('ca export alice --format p12 --out alice.p12', 'for the macOS keychain, Windows, Java') as Argv<Args>;
  },
  handler: handler<Args>(
    (args) => `export ${args.name ?? 'the CA certificate'}`,
    async (args, ctx) => {
      const { usageError } = await import('../../error.js');
      const { validateName } = await import('../../pki/name.js');
      const { exportBundle, exportCaCertificate, parseP12Iterations } = await import('../../ca/export.js');
      const name = args.name === undefined ? undefined : validateName(args.name);
      // Magnum's `ca-show > ca.crt` prints PEM: so does `--server` unless told otherwise.
      const format = args.format ?? (args.server !== undefined ? 'pem' : 'tar');
      if (args.server !== undefined) {
        if (name !== undefined || format === 'p12') throw usageError('--server fetches the CA certificate only', 'leave out NAME; use --format tar or pem');
        if (args.fingerprint === undefined) throw usageError('--server needs --fingerprint', "the CA's SHA-256 fingerprint (`ca show ca` where the CA is), so no one in between can pass for it");
      }
      if (args.out === undefined && process.stdout.isTTY && format !== 'pem') {
        const pipe = format === 'tar' ? `\`ca export ${name ? `${name} ` : ''}| tar xvf -\`` : 'it to a file';
        throw usageError(`refusing to write a ${format === 'tar' ? 'tar archive' : 'PKCS#12 file'} to the terminal`, `pipe ${pipe} or pass --out FILE`);
      }
      const p12 = format === 'p12' ? await p12Options(args, ctx, parseP12Iterations) : undefined;
      const caSource = caFlags(args);
      const keySource = keyFlags(args);
      const { fetchCa } = await import('../remote.js');
      const result = args.server !== undefined ? await exportCaCertificate((await fetchCa(args.server, args.fingerprint!)).root, format as 'tar' | 'pem' /* p12 refused above */, ctx.now) : await exportBundle({
        storeDir: ctx.storeDir,
        name,
        insecure: Boolean(args.insecure),
        passphrase: secretSource(ctx, `Passphrase of the key of ${name}:`, keySource),
        // Without NAME the exported key is the CA's: --passphrase means it too.
        caPassphrase: secretSource(ctx, CA_PROMPT, caSource, ...(name ? [] : [keySource])),
        includeCaKey: Boolean(args['include-ca-key']),
        format,
        p12,
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
      ctx.out.info(`Exported ${listing}${result.holdsKey ? '; keep the key secret' : ''}.`);
    },
  ),
};

async function p12Options(args: Args, ctx: Context, parseIterations: (v: unknown) => number) {
  const { usageError } = await import('../../error.js');
  const iterations = parseIterations(args['p12-iterations']);
  const password = await newSecret(ctx, 'Password for the PKCS#12 file:', {
    flag: '--p12-password',
    value: args['p12-password'],
    file: args['p12-password-file'],
    env: 'CA_P12_PASSWORD',
  });
  if (password === undefined) {
    throw usageError('a PKCS#12 file needs a password', 'pass --p12-password-file FILE or set CA_P12_PASSWORD');
  }
  return { password, encryption: args['p12-encryption'], iterations };
}
