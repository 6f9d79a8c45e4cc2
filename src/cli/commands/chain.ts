/** `ca chain NAME`: the certificate then the CA, PEM, in the order TLS servers send them. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { GlobalArgs } from '../options.js';

interface Args extends GlobalArgs {
  name: string;
}

export const chainCommand: CommandModule<GlobalArgs, Args> = {
  command: 'chain <name>',
  describe: 'print the certificate followed by the CA certificate (PEM, leaf first)',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'a certificate in the store' })
      .example('ca chain web > web-chain.pem', 'for servers that take one file with the chain (nginx)')
      .example('ca chain web | openssl verify -CAfile .ca/ca.crt', 'check it with OpenSSL') as Argv<Args>,
  handler: handler<Args>(
    (args) => `print the chain of ${args.name}`,
    async (args, ctx) => {
      const { certificateChain } = await import('../../ca/inspect.js');
      ctx.out.result(await certificateChain({ storeDir: ctx.storeDir, name: args.name, now: ctx.now }));
    },
  ),
};
