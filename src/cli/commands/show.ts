/** `ca show NAME`: one certificate in words (or --pem, --json). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { GlobalArgs } from '../options.js';
import { printable } from '../text.js';

interface Args extends GlobalArgs {
  name?: string;
  serial?: string;
  pem?: boolean;
}

export const showCommand: CommandModule<GlobalArgs, Args> = {
  command: 'show [name]',
  describe: 'one certificate: names, usages, validity, fingerprint',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'a certificate in the store (ca: the CA); its current one' })
      .option('serial', { type: 'string', describe: 'any certificate this CA issued, by serial (hex, colons optional)' })
      .option('pem', { type: 'boolean', describe: 'print the certificate as PEM instead' })
      .example('ca show server1', 'a readable summary')
      .example('ca show --pem ca > ca.crt', "the CA's certificate")
      .example('ca show --serial 4c:5b:77:dc:77:fa:20:05:9e:ab:6a:98:17:27:37:4e', 'a superseded or revoked one') as Argv<Args>,
  handler: handler<Args>(
    (args) => `show ${args.serial !== undefined ? `serial ${args.serial}` : args.name}`,
    async (args, ctx) => {
      const { showCertificate } = await import('../../ca/inspect.js');
      const { usageError } = await import('../../error.js');
      if ((args.name === undefined) === (args.serial === undefined)) throw usageError('give a NAME or --serial HEX');
      const { entry, pem, description: d } = await showCertificate({ storeDir: ctx.storeDir, name: args.name, serial: args.serial, now: ctx.now });
      if (args.pem) return ctx.out.result(pem);
      if (ctx.json) return ctx.out.json({ name: entry.name, profile: entry.profile, status: entry.status, state: entry.state, ...d });
      const rows: [string, string][] = [
        ['Name', `${entry.name} (${entry.profile}, ${entry.state})`],
        ['Subject', d.subject],
        ['Issuer', d.issuer],
        ['Serial', d.serial],
        ['SANs', d.sans.join(', ') || '-'],
        ['Key usage', d.keyUsage.join(', ') || '-'],
        ['Extended usage', d.extKeyUsage.join(', ') || '-'],
        ['CA', d.isCa ? `yes, path length ${d.pathLength ?? 'unlimited'}` : 'no'],
        ['Valid', `${d.notBefore} to ${d.notAfter} (${d.daysLeft >= 0 ? `${d.daysLeft} days left` : `expired ${-d.daysLeft} days ago`})`],
        ['SHA-256', d.fingerprint],
        ['Key', d.key],
      ];
      if (entry.status === 'revoked') rows.push(['Revoked', `${entry.revokedAt} (${entry.revocationReason ?? 'unspecified'})`]);
      ctx.out.result(rows.map(([k, v]) => `${`${k}:`.padEnd(16)}${printable(v)}`).join('\n'));
    },
  ),
};
