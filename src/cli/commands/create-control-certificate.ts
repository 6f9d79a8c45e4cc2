/** `ca create-control-certificate HOST`: the control service's server certificate (flocker-ca). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { oneStepOptions, runOneStep, type OneStepArgs } from '../one-step.js';
import type { GlobalArgs } from '../options.js';

interface Args extends OneStepArgs {
  host: string;
}

export const createControlCertificateCommand: CommandModule<GlobalArgs, Args> = {
  command: 'create-control-certificate <host>',
  describe: 'key + certificate for the control service (serverAuth), in one step',
  builder: (y) =>
    oneStepOptions(y.positional('host', { type: 'string', demandOption: true, describe: 'DNS name or IP the service is reached at' }))
      .example('ca create-control-certificate ctl.example', 'control-ctl.example.crt and .key')
      .example('ca create-control-certificate 10.0.0.2', 'SANs DNS:control-service and IP:10.0.0.2') as Argv<Args>,
  handler: handler<Args>(
    (args) => `create the control certificate for ${args.host}`,
    async (args, ctx) => {
      const { controlIdentity } = await import('../../ca/one-step.js');
      await runOneStep(args, ctx, [controlIdentity(args.host)], () => `Install them on the control service at ${args.host}.`);
    },
  ),
};
