/**
 * What the three one-step commands (create-api-certificate, create-node-certificate,
 * create-control-certificate) share: their options, and running and reporting the issuance.
 */
import type { Argv } from 'yargs';
import type { Identity } from '../ca/one-step.js';
import { startProgress } from '../ui/progress.js';
import type { Context } from './context.js';
import { CA_PROMPT, caFlags, keyFlags, newSecret, secretSource } from './passphrase.js';
import {
  caPassphraseOptions,
  forceOption,
  keyChoiceOf,
  keyOptions,
  keyPassphraseOptions,
  lifetimeOptions,
  type CaPassphraseArgs,
  type GlobalArgs,
  type KeyArgs,
  type KeyPassphraseArgs,
  type LifetimeArgs,
} from './options.js';

export interface OneStepArgs extends GlobalArgs, KeyPassphraseArgs, CaPassphraseArgs, LifetimeArgs, KeyArgs {
  out: string;
  force?: boolean;
}

export function oneStepOptions<T>(y: Argv<T>) {
  let b = keyPassphraseOptions(y, 'encrypt the new key with this passphrase (default: not encrypted)');
  b = caPassphraseOptions(b);
  b = lifetimeOptions(b, { days: '825' });
  b = forceOption(b, 'replace existing output files and issue again under a name already used');
  return keyOptions(b, "the store's (rsa unless init said otherwise)", '2048')
    .option('out', { type: 'string', default: '.', describe: 'directory to write NAME.crt and NAME.key to (made 0700 if missing)' })
    .group(['out'], 'Output:');
}

/** Issues for `identities` and reports; `handOver` says what to do with one certificate's files. */
export async function runOneStep(
  args: OneStepArgs,
  ctx: Context,
  identities: Identity[],
  handOver: (key: string) => string,
  { jsonList = false } = {},
): Promise<void> {
  const { issueOneStep } = await import('../ca/one-step.js');
  const { leafKeySpec } = await import('../ca/key-choice.js');
  const { describeSpec } = await import('../pki/key-type.js');
  const { parseLifetime } = await import('../pki/validity.js');
  const keySpec = await leafKeySpec(ctx.storeDir, await keyChoiceOf(args));
  const lifetime = parseLifetime(args.days, args.years, ctx.now);
  const passphrase = await newSecret(ctx, undefined, keyFlags(args));
  const caPassphrase = secretSource(ctx, CA_PROMPT, caFlags(args));
  const total = identities.length;
  const progress = startProgress(
    total > 1 ? `Issuing 0 of ${total} certificates…` : `Generating a ${describeSpec(keySpec)} key…`,
    ctx.progress && (total > 1 || (keySpec.type === 'rsa' && keySpec.bits > 2048)),
  );
  const result = await issueOneStep({
    storeDir: ctx.storeDir,
    identities,
    keySpec,
    passphrase,
    caPassphrase,
    lifetime,
    force: Boolean(args.force),
    outDir: args.out,
    now: ctx.now,
    onIssued: (done) => progress.update(`Issuing ${done} of ${total} certificates…`),
  }).finally(() => progress.stop());
  // With --count, the same warning for every node is said once.
  const names = result.issued.map((c) => c.name);
  const said = total > 1 ? result.warnings.map((w) => names.reduce((text, n) => text.replace(n, 'every node certificate'), w)) : result.warnings;
  [...new Set(said)].forEach((w) => ctx.out.warn(w));
  if (ctx.json) {
    ctx.out.json(jsonList ? result.issued : result.issued[0]);
    return;
  }
  const shown = (path: string) => path.replace(`${process.cwd()}/`, '');
  if (total === 1) {
    const one = result.issued[0]!;
    ctx.out.success(`Created ${shown(one.certificate)} and ${shown(one.key)}. ${handOver(shown(one.key))}`);
  } else {
    ctx.out.success(`Created ${total} certificates and keys in ${args.out} (their paths are on stdout).`);
    ctx.out.info('Copy each pair to its node with ca.crt (`ca export | tar xvf -`); keep the .key files secret.');
  }
  // Every path written, on stdout: `ca create-node-certificate … | xargs scp …` gets them all.
  for (const c of result.issued) {
    ctx.out.result(shown(c.certificate));
    ctx.out.result(shown(c.key));
  }
}
