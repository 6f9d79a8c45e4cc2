/** `ca crl`: write and print a fresh CRL. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { CA_PROMPT, caFlags, secretSource } from '../passphrase.js';
import { caPassphraseOptions, type CaPassphraseArgs, type GlobalArgs } from '../options.js';

interface Args extends GlobalArgs, CaPassphraseArgs {
  days: string;
}

export const crlCommand: CommandModule<GlobalArgs, Args> = {
  command: 'crl',
  describe: 'write .ca/crl.pem (CRL v2, signed by the CA) and print it',
  builder: (y) =>
    caPassphraseOptions(y)
      .option('days', { type: 'string', default: '30', describe: 'days until nextUpdate' })
      .example('ca crl > crl.pem', 'a fresh CRL (run it from cron before nextUpdate)')
      .example('ca crl --days 7 --json | jq .number', 'a weekly CRL; its number') as Argv<Args>,
  handler: handler<Args>(
    () => 'write the CRL',
    async (args, ctx) => {
      const { issueCrl } = await import('../../ca/revoke.js');
      const { parseLifetime } = await import('../../pki/validity.js');
      const days = (parseLifetime(args.days, undefined, ctx.now) as { days: number }).days;
      const caPassphrase = secretSource(ctx, CA_PROMPT, caFlags(args));
      const crl = await issueCrl({ storeDir: ctx.storeDir, days, caPassphrase, now: ctx.now });
      if (ctx.json) return ctx.out.json({ path: crl.path, number: crl.number, revoked: crl.revokedCount, nextUpdate: crl.nextUpdate, crl: crl.pem });
      ctx.out.result(crl.pem);
      ctx.out.success(`Wrote ${crl.path} (CRL number ${crl.number}, ${crl.revokedCount} revoked, next update ${crl.nextUpdate.slice(0, 10)}).`);
    },
  ),
};
