/** `ca trust install|uninstall|status`: the CA in this machine's trust stores, as mkcert -install. */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { GlobalArgs } from '../options.js';

interface Args extends GlobalArgs {
  action: 'install' | 'uninstall' | 'status';
  system?: boolean;
  nss?: boolean;
  java?: boolean;
}

const SAID = {
  install: { done: 'trusted', unchanged: 'already trusted' },
  uninstall: { done: 'removed', unchanged: 'not there' },
  status: { done: '', unchanged: '' },
} as const;

export const trustCommand: CommandModule<GlobalArgs, Args> = {
  command: 'trust <action>',
  describe: "the CA in this machine's trust stores: install, uninstall, status",
  builder: (y) =>
    y
      .positional('action', { choices: ['install', 'uninstall', 'status'] as const, describe: 'what to do' })
      .option('system', { type: 'boolean', describe: 'the system store (update-ca-certificates, update-ca-trust, the macOS System keychain); needs root' })
      .option('nss', { type: 'boolean', describe: 'NSS databases: Firefox profiles, ~/.pki/nssdb (Chromium on Linux)' })
      .option('java', { type: 'boolean', describe: "Java's cacerts ($JAVA_HOME, or the Java of keytool on the PATH)" })
      .group(['system', 'nss', 'java'], 'Trust stores (all three when none is given):')
      .example('sudo ca trust install', 'curl, openssl, Go, Firefox and Java trust the CA without --cacert')
      .example('ca trust status', 'where the CA is trusted')
      .example('sudo ca trust uninstall --system', 'take it out of the system store') as Argv<Args>,
  handler: handler<Args>(
    (args) => `${args.action} the CA's trust`,
    async (args, ctx) => {
      const { runTrust, trustAnchor } = await import('../../ca/trust.js');
      const anchor = await trustAnchor(ctx.storeDir);
      const asked = (['system', 'nss', 'java'] as const).filter((t) => args[t]);
      const outcomes = await runTrust(args.action, anchor, asked);
      if (ctx.json) {
        ctx.out.json({ ca: { subject: anchor.subject, fingerprint: anchor.fingerprint, nickname: anchor.nickname }, results: outcomes });
      } else {
        for (const o of outcomes) {
          const where = o.detail.join('; ');
          if (o.result === 'present') ctx.out.result(`${o.target}: trusted (${where})`);
          else if (o.result === 'absent') ctx.out.result(`${o.target}: not trusted`);
          else if (o.result === 'skipped') ctx.out.info(`${o.target}: skipped: ${where}`);
          else if (o.result === 'failed') ctx.out.warn(`${o.target}: ${where}`);
          else ctx.out.success(`${o.target}: ${SAID[args.action][o.result]}${where ? ` (${where})` : ''}`);
        }
      }
      return outcomes.some((o) => o.result === 'failed') ? 1 : undefined;
    },
  ),
};
