/** `ca revoke NAME`: mark a certificate revoked and write a fresh CRL. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { CA_PROMPT, caFlags, secretSource } from '../passphrase.js';
import { caPassphraseOptions, type CaPassphraseArgs, type GlobalArgs } from '../options.js';

interface Args extends GlobalArgs, CaPassphraseArgs {
  name: string;
  reason?: string;
  'crl-days': string;
}

export const revokeCommand: CommandModule<GlobalArgs, Args> = {
  command: 'revoke <name>',
  describe: 'revoke a certificate and write a fresh CRL',
  builder: (y) =>
    caPassphraseOptions(y.positional('name', { type: 'string', demandOption: true, describe: 'the certificate to revoke' }))
      .option('reason', {
        type: 'string',
        describe: 'keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise',
        defaultDescription: 'unspecified',
      })
      .option('crl-days', { type: 'string', default: '30', describe: "days until the new CRL's nextUpdate" })
      .example('ca revoke --reason keyCompromise alice', 'alice.key leaked: revoke, then publish .ca/crl.pem')
      .example('ca revoke --reason cessationOfOperation node-3', 'a node taken out of the cluster') as Argv<Args>,
  handler: handler<Args>(
    (args) => `revoke ${args.name}`,
    async (args, ctx) => {
      const { revokeCertificate } = await import('../../ca/revoke.js');
      const { parseReason } = await import('../../pki/crl.js');
      const { validateName } = await import('../../pki/name.js');
      const { parseLifetime } = await import('../../pki/validity.js');
      const name = args.name === 'ca' ? 'ca' : validateName(args.name);
      const reason = parseReason(args.reason);
      const crlDays = (parseLifetime(args['crl-days'], undefined, ctx.now) as { days: number }).days;
      const caPassphrase = secretSource(ctx, CA_PROMPT, caFlags(args));
      const { entry, crl } = await revokeCertificate({ storeDir: ctx.storeDir, name, reason, caPassphrase, crlDays, now: ctx.now });
      if (ctx.json) return ctx.out.json({ ...entry, crl: { path: crl.path, number: crl.number, nextUpdate: crl.nextUpdate } });
      ctx.out.success(`Revoked ${name} (serial ${entry.serial}, ${reason}).`);
      ctx.out.info(`Wrote ${crl.path} (CRL number ${crl.number}, ${crl.revokedCount} revoked); publish it where your servers read their CRL.`);
    },
  ),
};
