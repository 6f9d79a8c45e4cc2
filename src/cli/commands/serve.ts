/** `ca serve`: the CA as an HTTPS service over the same store (SPEC "Online CA"). */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import { packageVersion, type Context } from '../context.js';
import type { Logger } from '../../server/log.js';
import { CA_PROMPT, caFlags, secretSource } from '../passphrase.js';
import { altNameOptions, altNamesOf, caPassphraseOptions, type AltNameArgs, type CaPassphraseArgs, type GlobalArgs } from '../options.js';

interface Args extends GlobalArgs, CaPassphraseArgs, AltNameArgs {
  listen: string;
  'api-cert-file'?: string;
  'api-key-file'?: string;
  'api-ca-file'?: string;
  log?: string;
  'rate-limit': string;
  timeout: string;
  'shutdown-timeout': string;
  acme?: boolean;
  'acme-allow'?: string | string[];
  'acme-profile': string;
  'acme-days': string;
  'acme-resolver'?: string;
  'acme-http-port': string;
  'acme-tls-port': string;
  'acme-eab'?: boolean;
}

export const serveCommand: CommandModule<GlobalArgs, Args> = {
  command: 'serve',
  describe: 'serve the CA over HTTPS: signing, enrollment with tokens, renewal, the CA and its CRL; ACME with --acme',
  builder: (y) => {
    let b = caPassphraseOptions(y);
    b = altNameOptions(b);
    return b
      .option('listen', { type: 'string', default: '127.0.0.1:6060', describe: 'HOST:PORT to listen on ([::1]:6060 for IPv6)' })
      .option('api-cert-file', { type: 'string', describe: "the server's certificate (default: one issued from the store at start, name ca-server)" })
      .option('api-key-file', { type: 'string', describe: 'its key' })
      .option('api-ca-file', { type: 'string', describe: 'CA certificates that client certificates are checked against; when given, every client must present one' })
      .option('log', { type: 'string', describe: 'append the audit log (JSON lines) to this file instead of stderr; made 0600, never through a link' })
      .option('rate-limit', { type: 'string', default: '600', describe: 'requests per minute per certificate or ACME account, and per address for requests without one (tokens too); an address gets 4 times that in all' })
      .option('timeout', { type: 'string', default: '30', describe: 'seconds a client has to send its whole request' })
      .option('shutdown-timeout', { type: 'string', default: '10', describe: 'seconds to finish the requests under way after SIGTERM; then connections are cut' })
      .option('acme', { type: 'boolean', describe: 'serve ACME (RFC 8555) under /acme/directory: certbot, lego and other ACME clients obtain certificates by http-01, dns-01 or tls-alpn-01' })
      .option('acme-allow', { type: 'string', describe: 'DOMAIN (and every name below it) or CIDR that ACME may issue for; repeatable (default: the CA\'s name constraints)' })
      .option('acme-profile', { type: 'string', default: 'server', describe: 'the profile of certificates issued through ACME' })
      .option('acme-days', { type: 'string', default: '90', describe: 'days a certificate issued through ACME lasts' })
      .option('acme-resolver', { type: 'string', describe: 'HOST:PORT of the DNS server that resolves names for validation (default: the system\'s)' })
      .option('acme-http-port', { type: 'string', default: '80', describe: 'the port http-01 validation connects to' })
      .option('acme-tls-port', { type: 'string', default: '443', describe: 'the port tls-alpn-01 validation connects to' })
      .option('acme-eab', { type: 'boolean', describe: 'require External Account Binding: every new ACME account is bound with a key from `ca token create --acme` and gets only what that token allows' })
      .group(['acme', 'acme-allow', 'acme-profile', 'acme-days', 'acme-resolver', 'acme-http-port', 'acme-tls-port', 'acme-eab'], 'ACME:')
      .group(['listen', 'api-cert-file', 'api-key-file', 'api-ca-file', 'log', 'rate-limit', 'timeout', 'shutdown-timeout'], 'Server:')
      .example('ca serve --ip 10.0.0.1 --listen 10.0.0.1:6060', 'serve the store in ./.ca to the cluster network')
      .example('curl --cacert ca.crt https://127.0.0.1:6060/v1/versions', 'check it') as Argv<Args>;
  },
  handler: handler<Args>(
    () => 'serve the CA',
    async (args, ctx) => {
      const { usageError } = await import('../../error.js');
      const { openService, rootPem, serverCertificate } = await import('../../ca/service.js');
      const { listenNames, parseListen, readServerFile } = await import('../../ca/serve-files.js');
      const { startServer } = await import('../../server/server.js');
      const { openLog } = await import('../../server/log.js');
      const { host, port } = parseListen(args.listen);
      const { wholeNumber } = await import('../../pki/whole-number.js');
      const rate = wholeNumber(args['rate-limit'], '--rate-limit', 1, 1_000_000);
      const timeout = wholeNumber(args.timeout, '--timeout', 1, 3600);
      const shutdownTimeout = wholeNumber(args['shutdown-timeout'], '--shutdown-timeout', 0, 3600);
      if ((args['api-cert-file'] === undefined) !== (args['api-key-file'] === undefined)) {
        throw usageError('--api-cert-file and --api-key-file go together', 'give both, or neither to have a certificate issued from the store');
      }
      if (args['acme-eab'] && !args.acme) throw usageError('--acme-eab goes with --acme', 'add --acme to serve ACME');
      const own = listenNames(host);
      const altNames = await altNamesOf({ ...args, ip: [...list(args.ip), ...own.ips], domain: [...list(args.domain), ...own.domains] });
      // Read once at start; never logged (SPEC).
      const service = await openService({ storeDir: ctx.storeDir, caPassphrase: secretSource(ctx, CA_PROMPT, caFlags(args)), now: ctx.now });
      const tls =
        args['api-cert-file'] !== undefined
          ? { certPem: await readServerFile(args['api-cert-file'], '--api-cert-file'), keyPem: await readServerFile(args['api-key-file']!, '--api-key-file') }
          : await serverCertificate(service, altNames, ctx.now);
      const clientCa = args['api-ca-file'] === undefined ? [service.authority.chain.ca, ...service.authority.chain.above].join('') : await readServerFile(args['api-ca-file'], '--api-ca-file');
      const acme = args.acme ? await acmeServer(args, service) : undefined;
      const log = await openLog(args.log);
      const running = await startServer({
        service,
        cert: tls.certPem,
        key: tls.keyPem,
        clientCa,
        requireClientCertificate: args['api-ca-file'] !== undefined,
        host,
        port,
        ratePerMinute: rate,
        timeoutMs: timeout * 1000,
        shutdownTimeoutMs: shutdownTimeout * 1000,
        log,
        version: packageVersion(),
        acme,
      });
      log({ event: 'start', listen: running.url });
      if (acme) ctx.out.info(`ACME directory: ${running.url}/acme/directory`);
      const { X509Certificate } = await import('node:crypto');
      ctx.out.success(`Serving the CA at ${running.url} (trust anchor SHA-256 ${new X509Certificate(rootPem(service)).fingerprint256}).`);
      // With --api-ca-file every client must show a certificate in the handshake: a node with only a
      // token cannot enroll, so the hint is the one that works there.
      ctx.out.info(
        args['api-ca-file'] === undefined
          ? `Clients: \`ca enroll --server ${running.url} --fingerprint <that SHA-256> --token-file TOKEN_FILE\`; stop with SIGTERM or Ctrl-C.`
          : `Clients present a certificate of --api-ca-file: \`ca sign --server ${running.url} --cert CERT --key KEY --csr FILE\` (no enrollment by token here); stop with SIGTERM or Ctrl-C.`,
      );
      await stopped(running, log, ctx);
    },
  ),
};

/** The ACME front end's state and policy, from the --acme-* flags (SPEC "ACME"). */
async function acmeServer(args: Args, service: import('../../ca/service.js').Service) {
  const { usageError } = await import('../../error.js');
  const { wholeNumber } = await import('../../pki/whole-number.js');
  const { allowList } = await import('../../ca/acme/policy.js');
  const { StoreAcmeState } = await import('../../ca/acme/state.js');
  const { MemoryNonceStore } = await import('../../server/acme/nonces.js');
  const { issuingProfile } = await import('../../ca/issue.js');
  const allow = allowList(list(args['acme-allow']), service.authority.constraints);
  // Checked at start, not at the first finalize.
  await issuingProfile(args['acme-profile'], service.store);
  const resolver = args['acme-resolver'];
  if (resolver !== undefined && !/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):\d{1,5}$/.test(resolver)) throw usageError(`invalid --acme-resolver ${JSON.stringify(resolver)}`, 'give the DNS server as IP:PORT, e.g. 127.0.0.1:53');
  return {
    acme: {
      service,
      state: await StoreAcmeState.open(service.store),
      allow,
      profile: args['acme-profile'],
      days: wholeNumber(args['acme-days'], '--acme-days', 1, 3650),
      validation: { resolver, httpPort: wholeNumber(args['acme-http-port'], '--acme-http-port', 1, 65535), tlsPort: wholeNumber(args['acme-tls-port'], '--acme-tls-port', 1, 65535) },
      requireBinding: args['acme-eab'] === true,
    },
    nonces: new MemoryNonceStore(),
  };
}

/** Waits for SIGTERM or SIGINT, then stops as server/shutdown.ts says, within --shutdown-timeout (SPEC). */
function stopped(running: { stop(): Promise<void> }, log: Logger, ctx: Context): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      // stop() admits no new request before it returns; the line after it says so truthfully.
      const done = running.stop();
      ctx.out.info('Stopping: finishing the requests under way.');
      done.then(async () => {
        log({ event: 'stop' });
        await log.close();
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
