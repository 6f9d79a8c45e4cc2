/** `ca create-api-certificate USER`: a client certificate for an API user, in one step (flocker-ca). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { oneStepOptions, runOneStep, type OneStepArgs } from '../one-step.js';
import type { GlobalArgs } from '../options.js';

interface Args extends OneStepArgs {
  user: string;
  admin?: boolean;
}

export const createApiCertificateCommand: CommandModule<GlobalArgs, Args> = {
  command: 'create-api-certificate <user>',
  describe: 'key + certificate for an API user (clientAuth), in one step',
  builder: (y) =>
    oneStepOptions(y.positional('user', { type: 'string', demandOption: true, describe: 'the API user' }))
      .option('admin', { type: 'boolean', describe: 'an administrator of `ca serve` (profile admin, CN admin-USER): may sign and revoke' })
      .example('ca create-api-certificate alice', 'alice.crt and alice.key in the working directory')
      .example('ca create-api-certificate --out creds --days 90 bob', 'a 90-day certificate in ./creds')
      .example('ca create-api-certificate --admin ops', 'a client certificate that administers `ca serve`') as Argv<Args>,
  handler: handler<Args>(
    (args) => `create the API certificate of ${args.user}`,
    async (args, ctx) => {
      const { apiIdentity } = await import('../../ca/one-step.js');
      const hand = args.admin ? 'They administer `ca serve` (sign for any profile, revoke)' : 'Give them to the API user';
      await runOneStep(args, ctx, [apiIdentity(args.user, Boolean(args.admin))], (key) => `${hand}; keep ${key} secret.`);
    },
  ),
};
