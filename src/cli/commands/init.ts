/** `ca init [NAME]`: create the store and its CA: a root, or an intermediate below another store (--parent). */
import { basename } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { Context } from '../context.js';
import { shellWord } from '../hints.js';
import { caFlags, keyFlags, newSecret, secretSource } from '../passphrase.js';
import { startProgress } from '../../ui/progress.js';
import {
  GROUPS,
  caPassphraseOptions,
  forceOption,
  keyChoiceOf,
  keyOptions,
  keyPassphraseOptions,
  lifetimeOptions,
  subjectOptions,
  type CaPassphraseArgs,
  type GlobalArgs,
  type KeyArgs,
  type KeyPassphraseArgs,
  type LifetimeArgs,
  type SubjectArgs,
} from '../options.js';

interface Args extends GlobalArgs, KeyPassphraseArgs, CaPassphraseArgs, SubjectArgs, LifetimeArgs, KeyArgs {
  name?: string;
  'path-length': string;
  parent?: string;
  'parent-passphrase'?: string;
  'parent-passphrase-file'?: string;
  'permit-domain'?: string | string[];
  'permit-ip'?: string | string[];
  'permit-uri'?: string | string[];
  'permit-email'?: string | string[];
  'crl-url'?: string;
  force?: boolean;
}

export const initCommand: CommandModule<GlobalArgs, Args> = {
  command: 'init [name]',
  describe: 'create the store and its CA (a root, or an intermediate with --parent)',
  builder: (y) => {
    let b = y.positional('name', { type: 'string', describe: "the CA's common name", defaultDescription: 'the directory name' });
    b = subjectOptions(b);
    b = keyOptions(b, "rsa (with --parent: the parent store's)", '4096');
    b = lifetimeOptions(b, { years: '10 (an intermediate: 5)' });
    b = keyPassphraseOptions(b, 'encrypt the CA key with this passphrase');
    b = caPassphraseOptions(b);
    b = forceOption(b, 'replace an existing store (the old one is kept beside it)');
    return b
      .option('path-length', { type: 'string', default: '0', describe: 'how many intermediate CAs may sit below this one' })
      .option('parent', { type: 'string', describe: 'make an intermediate CA, signed by the CA of the store in this directory' })
      .option('parent-passphrase', { type: 'string', describe: "passphrase of the parent's CA key (env CA_PARENT_PASSPHRASE)" })
      .option('parent-passphrase-file', { type: 'string', describe: "read the parent's CA passphrase from the first line of a file" })
      .option('permit-domain', { type: 'string', describe: 'name constraint: certify only this domain and names below it (repeatable)' })
      .option('permit-ip', { type: 'string', describe: 'name constraint: certify only addresses in this CIDR block (repeatable)' })
      .option('permit-uri', { type: 'string', describe: 'name constraint: certify only URIs whose host is this one, or below it with a leading dot (a SPIFFE trust domain; repeatable)' })
      .option('permit-email', { type: 'string', describe: 'name constraint: certify only this e-mail address, the addresses at this host, or below it with a leading dot (repeatable)' })
      .option('crl-url', { type: 'string', describe: 'http(s) URL where the CRL is published: put in every certificate issued' })
      .group(['path-length', 'parent', 'permit-domain', 'permit-ip', 'permit-uri', 'permit-email', 'crl-url'], 'Hierarchy:')
      .group(['parent-passphrase', 'parent-passphrase-file'], GROUPS.secrets)
      .example('ca init --organization Acme', 'a CA named after the directory, key unencrypted')
      .example('ca init --key-type ecdsa --passphrase-file pass.txt prod', 'an all-ECDSA cluster, CA key encrypted')
      .example('ca init --store c1 --parent root --permit-domain c1.example.com c1', 'an intermediate CA for one cluster') as Argv<Args>;
  },
  handler: handler<Args>(
    () => 'create the CA',
    async (args, ctx) => {
      const { caKeySpec, checkInit, initCa, parsePathLength } = await import('../../ca/init.js');
      const { describeSpec } = await import('../../pki/key-type.js');
      const { parseLifetime } = await import('../../pki/validity.js');
      const { parseSubject } = await import('../subject-args.js');
      const { askText } = await import('../../ui/prompt.js');
      // Bad flags are reported before any question is asked.
      parseSubject(args.name ?? basename(process.cwd()), args);
      const keyChoice = await keyChoiceOf(args);
      const lifetime = parseLifetime(args.days, args.years, ctx.now);
      const pathLength = parsePathLength(args['path-length']);
      const nameConstraints = await constraintsOf(args);
      const crlUrl = args['crl-url'] === undefined ? undefined : await crlUrlOf(args['crl-url']);
      await checkInit(ctx.storeDir, Boolean(args.force));
      const { spec, isDefault } = await caKeySpec(keyChoice, args.parent);
      const name = args.name ?? (ctx.interactive ? await askText('Name of the CA:', basename(process.cwd())) : basename(process.cwd()));
      const subject = parseSubject(name, args);
      const parent = args.parent === undefined ? undefined : { dir: args.parent, passphrase: parentPassphrase(ctx, args) };
      const passphrase = await newSecret(ctx, 'Passphrase for the CA key (empty for none):', keyFlags(args), caFlags(args));
      const progress = startProgress(`Generating a ${describeSpec(spec)} key for the CA…`, ctx.progress && spec.type === 'rsa' && spec.bits > 2048);
      const result = await initCa({
        dir: ctx.storeDir,
        subject,
        keySpec: spec,
        keyDefault: isDefault,
        lifetime,
        pathLength,
        passphrase,
        nameConstraints,
        crlUrl,
        parent,
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
          keyType: describeSpec(spec),
          encrypted: result.encrypted,
          notAfter: result.notAfter,
          parent: result.parentName === undefined ? null : { store: args.parent, name: result.parentName },
          replaced: result.replaced ?? null,
        });
        return;
      }
      if (result.replaced) ctx.out.info(`The previous store was moved to ${result.replaced}.`);
      const kind = result.parentName ? `intermediate CA (signed by ${args.parent}, recorded there as ${result.parentName})` : 'CA';
      ctx.out.success(`Created the ${kind} "${subject.commonName}" in ${ctx.storeDir} (${describeSpec(spec)}, cluster ${result.clusterId}, valid until ${result.notAfter.slice(0, 10)}).`);
      ctx.out.info(nextAfterInit(ctx.storeDir, pathLength));
    },
    { searchStore: false },
  ),
};

/**
 * What to run next: a CA that may sign CAs (`--path-length 1` or more) is meant to sign
 * intermediates (`ca init --parent`); any other issues certificates. The `ca …` commands quoted
 * get this store's --store from the context; `ca init`'s names the new one itself.
 */
function nextAfterInit(store: string, pathLength: number | undefined): string {
  if (pathLength !== undefined && pathLength > 0) {
    return `Next: \`ca init --store cluster1 --parent ${shellWord(store)} cluster1\` makes an intermediate CA below this one (docs/guides/hierarchy.md); its certificates chain to this CA's ca.crt (\`ca export | tar xvf -\`).`;
  }
  return 'Next: `ca new-cert --ip 10.0.0.1 server1` then `ca sign server1`; give `ca export | tar xvf -` (ca.crt) to every member.';
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);
}

/** Any --permit-* makes a CA constrained in every form: a form given nothing admits no name (SPEC). */
async function constraintsOf(args: Args) {
  const { parsePermittedDomain, parsePermittedEmail, parsePermittedRange, parsePermittedUriHost } = await import('../../pki/constraints.js');
  const dns = [...new Set(list(args['permit-domain']).map(parsePermittedDomain))];
  const ips = [...new Map(list(args['permit-ip']).map(parsePermittedRange).map((r) => [r.text, r])).values()];
  const uris = [...new Set(list(args['permit-uri']).map(parsePermittedUriHost))];
  const emails = [...new Set(list(args['permit-email']).map(parsePermittedEmail))];
  if (!(dns.length || ips.length || uris.length || emails.length)) return undefined;
  const constraints = { dns, ips, uris, emails, everyForm: true };
  const { checkJavaComparable } = await import('../../pki/constraint-extension.js');
  checkJavaComparable(constraints);
  return constraints;
}

async function crlUrlOf(input: string): Promise<string> {
  const { parseCrlUrl } = await import('../../pki/san.js');
  return parseCrlUrl(input);
}

function parentPassphrase(ctx: Context, args: Args) {
  return secretSource(ctx, 'Passphrase of the parent CA key:', {
    flag: '--parent-passphrase',
    value: args['parent-passphrase'],
    file: args['parent-passphrase-file'],
    env: 'CA_PARENT_PASSPHRASE',
  });
}
