/** `ca new-cert NAME`: a key and a request in the store, for `ca sign` (etcd-ca's first step). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { keyFlags, newSecret } from '../passphrase.js';
import {
  altNameOptions,
  altNamesOf,
  forceOption,
  keyChoiceOf,
  keyOptions,
  keyPassphraseOptions,
  subjectOptions,
  type AltNameArgs,
  type GlobalArgs,
  type KeyArgs,
  type KeyPassphraseArgs,
  type SubjectArgs,
} from '../options.js';

interface Args extends GlobalArgs, KeyPassphraseArgs, SubjectArgs, KeyArgs, AltNameArgs {
  name: string;
  'common-name'?: string;
  profile: string;
  force?: boolean;
}

export const newCertCommand: CommandModule<GlobalArgs, Args> = {
  command: 'new-cert <name>',
  describe: 'a key and a certificate request, for `ca sign`',
  builder: (y) => {
    let b = y.positional('name', { type: 'string', demandOption: true, describe: 'name in the store (file names, export)' });
    b = altNameOptions(b);
    b = subjectOptions(b);
    b = keyOptions(b, "the store's (rsa unless init said otherwise)", '2048');
    b = keyPassphraseOptions(b, 'encrypt the new key with this passphrase (default: not encrypted)');
    b = forceOption(b, 'replace an existing request or certificate of this name');
    return b
      .option('common-name', { type: 'string', describe: 'subject CN', defaultDescription: 'first domain, else first IP, else NAME' })
      .option('profile', { type: 'string', default: 'peer', describe: 'server, client or peer (serverAuth + clientAuth)' })
      .group(['common-name', 'profile'], 'Subject and key:')
      .example('ca new-cert --ip 10.0.0.1,127.0.0.1 --domain etcd1.local etcd1', 'a cluster member (peer)')
      .example('ca new-cert --profile client alice', 'an API user (clientAuth only)')
      .example('ca new-cert --key-type ecdsa --uri spiffe://cluster.local/ns/web/sa/api web', 'an ECDSA key and a SPIFFE ID') as Argv<Args>;
  },
  handler: handler<Args>(
    (args) => `create request ${args.name}`,
    async (args, ctx) => {
      const { createRequest } = await import('../../ca/new-cert.js');
      const { leafKeySpec } = await import('../../ca/key-choice.js');
      const { validateNewName } = await import('../../pki/name.js');
      const { parseSubject } = await import('../subject-args.js');
      const name = validateNewName(args.name);
      const altNames = await altNamesOf(args);
      const subject = parseSubject(args['common-name'] ?? name, args);
      const keySpec = await leafKeySpec(ctx.storeDir, await keyChoiceOf(args));
      const passphrase = await newSecret(ctx, undefined, keyFlags(args));
      const result = await createRequest({
        storeDir: ctx.storeDir,
        name,
        altNames,
        commonName: args['common-name'] === undefined ? undefined : subject.commonName,
        organization: subject.organization,
        country: subject.country,
        keySpec,
        profile: args.profile,
        passphrase,
        force: Boolean(args.force),
        now: ctx.now,
      });
      if (ctx.json) {
        ctx.out.json({ ...result, status: 'pending' });
        return;
      }
      const sans = result.sans.length ? ` for ${result.sans.join(', ')}` : '';
      ctx.out.success(`Created the key and request of ${name} (${result.profile})${sans}.`);
      if (result.sanFromName) ctx.out.info(`No --domain or --ip was given: the certificate is for the host ${name} (${result.sanFromName}), as clients check the SAN, not the CN.`);
      if (result.replacesSigned) ctx.out.info(`The certificate of ${name} in force stays, with its key, until the request is signed.`);
      ctx.out.info(`Next: \`ca sign ${name}\`.`);
    },
  ),
};
