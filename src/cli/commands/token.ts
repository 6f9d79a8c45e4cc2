/** `ca token create|list|revoke`: enrollment tokens for `ca serve` (SPEC "Online CA"). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { altNameOptions, altNamesOf, type AltNameArgs, type GlobalArgs } from '../options.js';
import { renderTable } from '../table.js';
import { printable } from '../text.js';

interface CreateArgs extends GlobalArgs, AltNameArgs {
  profile: string;
  name?: string;
  organization?: string;
  ttl: string;
  uses: string;
}

interface RevokeArgs extends GlobalArgs {
  id: string;
}

const create: CommandModule<GlobalArgs, CreateArgs> = {
  command: 'create',
  describe: 'print a new enrollment token (the store keeps only its hash)',
  builder: (y) =>
    altNameOptions(y)
      .option('profile', { type: 'string', default: 'peer', describe: 'the profile of the certificate it gets' })
      .option('name', { type: 'string', describe: 'the name the certificate gets in the store (and may replace), and its CN' })
      .option('organization', { type: 'string', alias: 'o', describe: "the certificate's O (the subject comes from the token, never from the request)" })
      .option('ttl', { type: 'string', default: '1h', describe: 'how long it may be used: 15m, 1h, 7d' })
      .option('uses', { type: 'string', default: '1', describe: 'how many certificates it may get' })
      .example('ca token create --profile node --name etcd2 --ip 10.0.0.12 --domain etcd2.internal', 'for one node, once, within the hour')
      .example('TOKEN=$(ca token create --name web --domain web.internal)', 'the token is the only thing on stdout') as Argv<CreateArgs>,
  handler: handler<CreateArgs>(
    () => 'create the token',
    async (args, ctx) => {
      const { createToken, parseTtl, parseUses } = await import('../../ca/token.js');
      const { validateNewName } = await import('../../pki/name.js');
      const made = await createToken({
        storeDir: ctx.storeDir,
        profile: args.profile,
        name: args.name === undefined ? undefined : validateNewName(args.name),
        organization: args.organization,
        altNames: await altNamesOf(args),
        ttlSeconds: parseTtl(args.ttl),
        uses: parseUses(args.uses),
        now: ctx.now,
      });
      if (ctx.json) return ctx.out.json({ token: made.token, ...withoutHash(made.record) });
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
      if (ctx.json) return ctx.out.json(tokens.map(withoutHash));
      const rows = tokens.map((t) => [t.id, t.profile, t.name ?? '-', t.state, `${t.used}/${t.uses}`, t.expiresAt.slice(0, 16), t.sans.join(',') || '-'].map(printable));
      if (rows.length > 0) ctx.out.result(renderTable(['ID', 'PROFILE', 'NAME', 'STATE', 'USED', 'EXPIRES', 'SANS'], rows, Boolean(process.stdout.isTTY)));
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
      if (ctx.json) return ctx.out.json(withoutHash(t));
      ctx.out.success(`Revoked token ${t.id}.`);
    },
  ),
};

function withoutHash<T extends { hash: string }>(t: T): Omit<T, 'hash'> {
  const { hash: _hash, ...rest } = t;
  return rest;
}

/** `ca token create|list|revoke`. */
export const TOKEN_SUBCOMMANDS: Pick<CommandModule, 'command'>[] = [create, list, revoke];

export const tokenCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'token <action>',
  describe: 'enrollment tokens for `ca serve`: create, list, revoke',
  builder: (y) => y.command(create).command(list).command(revoke).demandCommand(1, '') as Argv<GlobalArgs>,
  handler: () => undefined,
};
