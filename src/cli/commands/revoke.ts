/** `ca revoke NAME | --serial HEX`: revoke certificates and write a fresh CRL. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { CA_PROMPT, caFlags, secretSource } from '../passphrase.js';
import { caPassphraseOptions, type CaPassphraseArgs, type GlobalArgs } from '../options.js';

interface Args extends GlobalArgs, CaPassphraseArgs {
  name?: string;
  serial?: string;
  all?: boolean;
  reason?: string;
  'crl-days': string;
}

export const revokeCommand: CommandModule<GlobalArgs, Args> = {
  command: 'revoke [name]',
  describe: 'revoke a certificate and write a fresh CRL',
  builder: (y) =>
    caPassphraseOptions(y.positional('name', { type: 'string', describe: "the certificate to revoke: NAME's current one" }))
      .option('all', { type: 'boolean', describe: 'every unexpired certificate ever issued under NAME' })
      .option('serial', { type: 'string', describe: 'exactly the certificate with this serial (hex, colons optional)' })
      .option('reason', {
        type: 'string',
        describe: 'an RFC 5280 reason: keyCompromise or cACompromise (each also revokes every certificate of the same key), ' +
          'affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise',
        defaultDescription: 'unspecified',
      })
      .option('crl-days', { type: 'string', default: '30', describe: "days until the new CRL's nextUpdate" })
      .example('ca revoke --reason keyCompromise alice', 'alice.key leaked: every certificate of that key, then publish .ca/crl.pem')
      .example('ca revoke --all node-3', 'a node taken out of the cluster, with its older certificates') as Argv<Args>,
  handler: handler<Args>(
    (args) => `revoke ${args.serial !== undefined ? `serial ${args.serial}` : (args.name ?? 'a certificate')}`,
    async (args, ctx) => {
      const { revokeCertificate, revokeTarget } = await import('../../ca/revoke.js');
      const { parseReason } = await import('../../pki/crl.js');
      const { validateName } = await import('../../pki/name.js');
      const { parseLifetime } = await import('../../pki/validity.js');
      const target = revokeTarget({ name: args.name === undefined || args.name === 'ca' ? args.name : validateName(args.name), serial: args.serial, all: args.all });
      const reason = parseReason(args.reason);
      const crlDays = (parseLifetime(args['crl-days'], undefined, ctx.now) as { days: number }).days;
      const caPassphrase = secretSource(ctx, CA_PROMPT, caFlags(args));
      const r = await revokeCertificate({ storeDir: ctx.storeDir, target, reason, caPassphrase, crlDays, now: ctx.now });
      if (ctx.json) {
        // The first certificate's entry at the top, as before --all and --serial existed.
        const crl = { path: r.crl.path, number: r.crl.number, nextUpdate: r.crl.nextUpdate };
        return ctx.out.json({ ...r.revoked[0], crl, revoked: r.revoked, sameKey: r.sameKey });
      }
      const list = (entries: typeof r.revoked) => entries.map((e) => `${e.name} (serial ${e.serial})`).join(', ');
      ctx.out.success(`Revoked ${list(r.revoked)}, ${reason}.`);
      if (r.sameKey.length > 0) ctx.out.success(`Also revoked ${r.sameKey.length} other certificate(s) of the same key: ${list(r.sameKey)}.`);
      if (r.stillValid.length > 0) {
        ctx.out.warn(`${r.stillValid.length} older certificate(s) of ${r.revoked[0]!.name} are still valid: \`ca revoke --all ${r.revoked[0]!.name}\` revokes them too`);
      }
      ctx.out.info(`Wrote ${r.crl.path} (CRL number ${r.crl.number}, ${r.crl.revokedCount} revoked); publish it where your servers read their CRL.`);
    },
  ),
};
