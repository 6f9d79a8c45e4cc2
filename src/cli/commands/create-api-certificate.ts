/** `ca create-api-certificate USER`: a client certificate for an API user, in one step (flocker-ca). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { oneStepOptions, runOneStep, type OneStepArgs } from '../one-step.js';
import type { GlobalArgs } from '../options.js';

interface Args extends OneStepArgs {
  user: string;
}

export const createApiCertificateCommand: CommandModule<GlobalArgs, Args> = {
  command: 'create-api-certificate <user>',
  describe: 'key + certificate for an API user (clientAuth), in one step',
  builder: (y) =>
    oneStepOptions(y.positional('user', { type: 'string', demandOption: true, describe: 'the API user' }))
      .example('ca create-api-certificate alice', 'alice.crt and alice.key in the working directory')
      .example('ca create-api-certificate --out creds --days 90 bob', 'a 90-day certificate in ./creds') as Argv<Args>,
  handler: handler<Args>(
    (args) => `create the API certificate of ${args.user}`,
    async (args, ctx) => {
      const { apiIdentity } = await import('../../ca/one-step.js');
      await runOneStep(args, ctx, [apiIdentity(args.user)], (key) => `Give them to the API user; keep ${key} secret.`);
    },
  ),
};
