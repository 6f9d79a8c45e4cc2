/** `ca export [NAME]`: certificates and keys as a tar, PEM or PKCS#12, on stdout or in a file. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { ExportFormat } from '../../ca/export.js';
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
  format?: ExportFormat;
  namespace?: string;
  'secret-name'?: string;
  out?: string;
  force?: boolean;
  'p12-password'?: string;
  'p12-password-file'?: string;
  'p12-encryption'?: 'legacy' | 'aes256';
  'p12-iterations'?: string;
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
      .option('format', {
        choices: EXPORT_FORMAT_CHOICES,
        describe: 'tar, pem (certificate, CA, key), p12, k8s (a kubernetes.io/tls Secret) or docker (a tar of ca.pem, cert.pem, key.pem); default: from --out (.tar .pem .p12 .pfx .yaml), else tar (pem with --server)',
      })
      .option('out', { type: 'string', describe: 'write to this file instead of stdout (0600 when it holds a key); its extension picks the format' })
      .option('insecure', { type: 'boolean', describe: 'write keys decrypted (tar, pem)' })
      .option('include-ca-key', { type: 'boolean', describe: 'also export the CA key (it can issue certificates for the cluster)' })
      .option('p12-password', { type: 'string', describe: 'password of the PKCS#12 file (env CA_P12_PASSWORD; printable ASCII, never empty)' })
      .option('p12-password-file', { type: 'string', describe: 'read it from the first line of a file' })
      .option('p12-encryption', {
        choices: ['legacy', 'aes256'] as const,
        describe: 'legacy (3DES, SHA-1 MAC) imports everywhere; aes256 (PBES2, SHA-256 MAC) not into macOS [default: legacy]',
      })
      .option('p12-iterations', { type: 'string', describe: 'PBE and MAC iterations (at least 2048) [default: 2048]' })
      .option('namespace', { type: 'string', describe: "with --format k8s: the Secret's namespace" })
      .option('secret-name', { type: 'string', describe: 'with --format k8s: its name [default: NAME; ca-key-pair for the CA]' })
      .group(['format', 'out', 'insecure', 'include-ca-key'], 'Output:')
      .option('server', { type: 'string', describe: "fetch the CA certificate from `ca serve` at this URL instead (Magnum's ca-show)" })
      .option('fingerprint', { type: 'string', describe: "with --server: the CA's SHA-256 fingerprint, which it must match" })
      .group(['p12-password', 'p12-password-file', 'p12-encryption', 'p12-iterations'], 'PKCS#12:')
      .group(['namespace', 'secret-name'], 'Kubernetes:')
      .group(['server', 'fingerprint'], 'From ca serve:')
      .example('ca export | tar xvf -', 'ca.crt, for every member and client')
      .example('ca export --insecure etcd1 | tar xvf -', 'etcd1.crt, etcd1.key (decrypted), ca.crt')
      .example('ca export alice --out alice.p12', 'PKCS#12 for the macOS keychain, Windows, Java')
      .example('ca export --format k8s --namespace web web | kubectl apply -f -', 'a kubernetes.io/tls Secret')
      .example('ca export --format docker --insecure docker1 | tar xvf - -C ~/.docker', "Docker's ca.pem, cert.pem, key.pem") as Argv<Args>;
  },
  handler: handler<Args>(
    (args) => `export ${args.name ?? 'the CA certificate'}`,
    async (args, ctx) => {
      const { usageError } = await import('../../error.js');
      const { validateName } = await import('../../pki/name.js');
      const { exportBundle, exportCaCertificate, parseP12Iterations } = await import('../../ca/export.js');
      const name = args.name === undefined ? undefined : validateName(args.name);
      const format = formatOf(args, usageError);
      // The export itself is the output: JSON on stdout would be mixed into the archive.
      if (ctx.json && args.out === undefined) {
        throw usageError('--json needs --out FILE: the export itself is what ca export writes to stdout', 'add --out FILE (then --json describes what was written), or use `ca show --json NAME` for the fields of a certificate');
      }
      if (args.server !== undefined) {
        if (name !== undefined || (format !== 'tar' && format !== 'pem')) throw usageError('--server fetches the CA certificate only', 'leave out NAME; use --format tar or pem');
        if (args.fingerprint === undefined) throw usageError('--server needs --fingerprint', "the CA's SHA-256 fingerprint (`ca show ca` where the CA is), so no one in between can pass for it");
      }
      if (args.out === undefined && process.stdout.isTTY && (format === 'tar' || format === 'docker' || format === 'p12')) {
        const pipe = format === 'p12' ? 'it to a file' : `\`ca export ${format === 'docker' ? '--format docker ' : ''}${name ? `${name} ` : ''}| tar xvf -\``;
        throw usageError(`refusing to write a ${format === 'p12' ? 'PKCS#12 file' : 'tar archive'} to the terminal`, `pipe ${pipe} or pass --out FILE`);
      }
      const p12 = format === 'p12' ? await p12Options(args, ctx, parseP12Iterations) : undefined;
      const caSource = caFlags(args);
      const keySource = keyFlags(args);
      const result = args.server !== undefined ? await exportCaCertificate(await fetchedCa(args.server, args.fingerprint!), format as 'tar' | 'pem' /* p12 refused above */, ctx.now) : await exportBundle({
        storeDir: ctx.storeDir,
        name,
        insecure: Boolean(args.insecure),
        passphrase: secretSource(ctx, `Passphrase of the key of ${name}:`, keySource),
        // Without NAME the exported key is the CA's: --passphrase means it too.
        caPassphrase: secretSource(ctx, CA_PROMPT, caSource, ...(name ? [] : [keySource])),
        includeCaKey: Boolean(args['include-ca-key']),
        format,
        p12,
        namespace: args.namespace,
        secretName: args['secret-name'],
        now: ctx.now,
      });
      result.warnings.forEach((w) => ctx.out.warn(w));
      const listing = result.names.join(', ');
      if (args.out !== undefined) {
        const { writeOutputFile } = await import('../../ca/output-file.js');
        await writeOutputFile({ path: args.out, data: result.data, holdsKey: result.holdsKey, force: Boolean(args.force) });
        if (ctx.json) return ctx.out.json({ out: args.out, format, entries: result.names, holdsKey: result.holdsKey });
        ctx.out.success(`Wrote ${args.out} (${format === 'p12' ? `PKCS#12: ${name}'s certificate, key and the CA` : listing}).`);
        return;
      }
      const { pipeline } = await import('node:stream/promises');
      const { Readable } = await import('node:stream');
      await pipeline(Readable.from([result.data]), process.stdout);
      ctx.out.info(`Exported ${listing}${result.holdsKey ? '; keep the key secret' : ''}.`);
    },
  ),
};

/** Magnum's ca-show: the CA certificate from `ca serve` (the HTTPS client loads only for it). */
async function fetchedCa(server: string, fingerprint: string): Promise<string> {
  const { fetchCa } = await import('../remote.js');
  return (await fetchCa(server, fingerprint)).root;
}

async function p12Options(args: Args, ctx: Context, parseIterations: (v: unknown) => number) {
  const { usageError } = await import('../../error.js');
  const iterations = parseIterations(args['p12-iterations'] ?? '2048');
  const password = await newSecret(ctx, 'Password for the PKCS#12 file:', {
    flag: '--p12-password',
    value: args['p12-password'],
    file: args['p12-password-file'],
    env: 'CA_P12_PASSWORD',
  });
  if (password === undefined) {
    throw usageError('a PKCS#12 file needs a password', 'pass --p12-password-file FILE or set CA_P12_PASSWORD');
  }
  return { password, encryption: args['p12-encryption'] ?? 'legacy', iterations };
}

const EXPORT_FORMAT_CHOICES: readonly ExportFormat[] = ['tar', 'pem', 'p12', 'k8s', 'docker'];

/** SPEC "Ecosystem": formats by --out's extension, as openssl users name their files. */
const BY_EXTENSION: Record<string, ExportFormat> = { '.tar': 'tar', '.pem': 'pem', '.p12': 'p12', '.pfx': 'p12', '.yaml': 'k8s', '.yml': 'k8s' };

/** The flags that belong to one format: given with another, they would be ignored, so they are refused. */
const FORMAT_FLAGS: [keyof Args, ExportFormat][] = [
  ['p12-password', 'p12'],
  ['p12-password-file', 'p12'],
  ['p12-encryption', 'p12'],
  ['p12-iterations', 'p12'],
  ['namespace', 'k8s'],
  ['secret-name', 'k8s'],
];

function formatOf(args: Args, usageError: (m: string, h?: string) => Error): ExportFormat {
  const dot = args.out?.lastIndexOf('.') ?? -1;
  const inferred = dot > 0 ? BY_EXTENSION[args.out!.slice(dot).toLowerCase()] : undefined;
  // Magnum's `ca-show > ca.crt` prints PEM: so does `--server` unless told otherwise.
  const format = args.format ?? inferred ?? (args.server !== undefined ? 'pem' : 'tar');
  for (const [flag, owner] of FORMAT_FLAGS) {
    if (args[flag] !== undefined && format !== owner) {
      throw usageError(`--${flag} is for --format ${owner}, and this export is ${format}`, `add --format ${owner}${args.out ? `, or name the file for it` : ''}`);
    }
  }
  return format;
}
