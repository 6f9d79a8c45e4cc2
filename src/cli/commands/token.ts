/** `ca token create|list|revoke`: enrollment tokens and ACME tokens (EAB keys) for `ca serve` (SPEC "Online CA", "ACME"). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { altNameOptions, altNamesOf, type AltNameArgs, type GlobalArgs } from '../options.js';
import { renderTable } from '../table.js';
import { printable } from '../text.js';

interface CreateArgs extends GlobalArgs, AltNameArgs {
  profile?: string;
  name?: string;
  organization?: string;
  ttl?: string;
  uses: string;
  acme?: boolean;
}

interface RevokeArgs extends GlobalArgs {
  id: string;
}

const create: CommandModule<GlobalArgs, CreateArgs> = {
  command: 'create',
  describe: 'print a new enrollment token (the store keeps only its hash), or with --acme an ACME key id and HMAC key',
  builder: (y) =>
    altNameOptions(y)
      .option('acme', { type: 'boolean', describe: 'an ACME External Account Binding key (for `ca serve --acme`): binds --uses accounts, which get only the token\'s profile and names' })
      .option('profile', { type: 'string', describe: 'the profile of the certificate it gets (default: peer; with --acme, server)' })
      .option('name', { type: 'string', describe: 'the name the certificate gets in the store (and may replace), and its CN' })
      .option('organization', { type: 'string', alias: 'o', describe: "the certificate's O (the subject comes from the token, never from the request)" })
      .option('ttl', { type: 'string', describe: 'how long it may be used: 15m, 1h, 7d (default: 1h; with --acme, 365d: its accounts stop with it)' })
      .option('uses', { type: 'string', default: '1', describe: 'how many certificates it may get (with --acme: how many accounts it may bind)' })
      .example('ca token create --profile node --name etcd2 --ip 10.0.0.12 --domain etcd2.internal', 'for one node, once, within the hour')
      .example('TOKEN=$(ca token create --name web --domain web.internal)', 'the token is the only thing on stdout')
      .example('ca token create --acme --domain web.internal', 'a key id and HMAC key for one ACME account (lego --eab, cert-manager)') as Argv<CreateArgs>,
  handler: handler<CreateArgs>(
    () => 'create the token',
    async (args, ctx) => {
      const { createToken, parseTtl, parseUses } = await import('../../ca/token.js');
      const { validateNewName } = await import('../../pki/name.js');
      const acme = args.acme === true;
      const made = await createToken({
        storeDir: ctx.storeDir,
        profile: args.profile ?? (acme ? 'server' : 'peer'),
        name: args.name === undefined || acme ? args.name : validateNewName(args.name),
        organization: args.organization,
        altNames: await altNamesOf(args),
        ttlSeconds: parseTtl(args.ttl ?? (acme ? '365d' : '1h')),
        uses: parseUses(args.uses),
        now: ctx.now,
        acme,
      });
      if (acme) return printAcmeToken(made, ctx);
      if (ctx.json) return ctx.out.json({ token: made.token, ...withoutSecrets(made.record) });
      ctx.out.result(made.token);
      const allows = [made.record.name && `name ${made.record.name}`, made.record.organization && `O=${made.record.organization}`, made.record.sans.join(', ')].filter(Boolean).join(', ');
      ctx.out.success(`Token ${made.record.id}: profile ${made.record.profile}${allows ? `, ${allows}` : ''}, ${made.record.uses} use(s) until ${made.record.expiresAt}.`);
      ctx.out.info('It is shown only now; pass it to `ca enroll --token`. The store keeps only its hash.');
    },
  ),
};

const list: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'list',
  describe: 'every token: id, profile, name, SANs, uses, expiry, state',
  handler: handler<GlobalArgs>(
    () => 'list the tokens',
    async (_args, ctx) => {
      const { listTokens } = await import('../../ca/token.js');
      const tokens = await listTokens({ storeDir: ctx.storeDir, now: ctx.now });
      if (ctx.json) return ctx.out.json(tokens.map((t) => ({ ...withoutSecrets(t), kind: t.kind ?? 'enroll' })));
      const rows = tokens.map((t) => [t.id, t.kind ?? 'enroll', t.profile, t.name ?? '-', t.state, `${t.used}/${t.uses}`, t.expiresAt.slice(0, 16), t.sans.join(',') || '-'].map(printable));
      if (rows.length > 0) ctx.out.result(renderTable(['ID', 'KIND', 'PROFILE', 'NAME', 'STATE', 'USED', 'EXPIRES', 'SANS'], rows, Boolean(process.stdout.isTTY)));
    },
  ),
};

const revoke: CommandModule<GlobalArgs, RevokeArgs> = {
  command: 'revoke <id>',
  describe: 'revoke a token so it can no longer be used',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true, describe: 'the token id (ca token list)' }) as Argv<RevokeArgs>,
  handler: handler<RevokeArgs>(
    (args) => `revoke token ${args.id}`,
    async (args, ctx) => {
      const { revokeToken } = await import('../../ca/token.js');
      const t = await revokeToken({ storeDir: ctx.storeDir, id: args.id, now: ctx.now });
      if (ctx.json) return ctx.out.json(withoutSecrets(t));
      ctx.out.success(`Revoked token ${t.id}.`);
    },
  ),
};

/** A token record as shown: never its hash, nor an ACME token's HMAC key (shown once, when made). */
function withoutSecrets<T extends { hash: string; hmac?: string | undefined }>(t: T): Omit<T, 'hash' | 'hmac'> {
  const { hash: _hash, hmac: _hmac, ...rest } = t;
  return rest;
}

/**
 * An ACME token: the key id and HMAC key on stdout, each on its labelled line (SPEC "ACME"), or
 * `{"kid","hmac",…}` with --json; then how lego and certbot take them.
 */
function printAcmeToken(made: import('../../ca/token.js').CreatedToken, ctx: import('../context.js').Context): void {
  const { record } = made;
  if (ctx.json) return ctx.out.json({ kid: record.id, hmac: made.token, ...withoutSecrets(record) });
  ctx.out.result(`kid: ${record.id}\nhmac: ${made.token}`);
  const names = record.sans.join(', ') || 'any name of --acme-allow';
  ctx.out.success(`ACME token ${record.id}: profile ${record.profile}, ${names}; binds ${record.uses} account(s) until ${record.expiresAt}.`);
  // The key goes to stderr only when stdout is a terminal too: a script that captures stdout must not find it in its logs.
  const hmac = process.stdout.isTTY ? made.token : 'HMAC';
  ctx.out.info('It is shown only now. Give it to an ACME client of `ca serve --acme`, e.g.');
  ctx.out.info(`  lego --server https://CA:6060/acme/directory --eab --kid ${record.id} --hmac ${hmac} --email ME --domains NAME --http run`);
  ctx.out.info(`  certbot certonly --server https://CA:6060/acme/directory --eab-kid ${record.id} --eab-hmac-key ${hmac} -d NAME --standalone`);
}

/** `ca token create|list|revoke`. */
export const TOKEN_SUBCOMMANDS: Pick<CommandModule, 'command'>[] = [create, list, revoke];

export const tokenCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'token <action>',
  describe: 'enrollment tokens for `ca serve`, and ACME account binding keys (--acme): create, list, revoke',
  builder: (y) => y.command(create).command(list).command(revoke).demandCommand(1, '') as Argv<GlobalArgs>,
  handler: () => undefined,
};
