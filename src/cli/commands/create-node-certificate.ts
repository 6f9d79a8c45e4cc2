/** `ca create-node-certificate`: key + certificate for a cluster node (flocker-ca), one or `--count N`. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { oneStepOptions, runOneStep, type OneStepArgs } from '../one-step.js';
import { altNameOptions, altNamesOf, type AltNameArgs, type GlobalArgs } from '../options.js';

interface Args extends OneStepArgs, AltNameArgs {
  name?: string;
  count: string;
}

/** Bounded so a typo cannot queue a day of key generation. */
const MAX_COUNT = 10000;

export const createNodeCertificateCommand: CommandModule<GlobalArgs, Args> = {
  command: 'create-node-certificate',
  describe: 'key + certificate for a node (serverAuth + clientAuth), in one step',
  builder: (y) =>
    altNameOptions(oneStepOptions(y))
      .option('name', { type: 'string', describe: 'name in the store and of the files', defaultDescription: 'node-UUID' })
      .option('count', { type: 'string', default: '1', describe: 'issue this many at once, keys generated on every core' })
      .example('ca create-node-certificate --ip 10.0.0.5', 'node-<uuid>.crt and .key')
      .example('ca create-node-certificate --count 20 --out nodes', '20 node certificates in ./nodes') as Argv<Args>,
  handler: handler<Args>(
    () => 'create the node certificate',
    async (args, ctx) => {
      const { nodeIdentity } = await import('../../ca/one-step.js');
      const { usageError } = await import('../../error.js');
      const count = Number(args.count);
      if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
        throw usageError(`invalid --count ${JSON.stringify(args.count)}`, `give a whole number from 1 to ${MAX_COUNT}`);
      }
      if (count > 1 && args.name !== undefined) throw usageError('--name and --count cannot be used together', 'each node of --count is named node-UUID');
      const altNames = await altNamesOf(args);
      const identities = Array.from({ length: count }, () => nodeIdentity(altNames, args.name));
      await runOneStep(args, ctx, identities, () => 'Copy them to the node with ca.crt (`ca export | tar xvf -`); keep the key secret.', {
        jsonList: true,
      });
    },
  ),
};
