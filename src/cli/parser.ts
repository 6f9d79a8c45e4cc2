/**
 * The `ca` command line: yargs set up once, one module per command, usage errors through the funnel.
 * Command modules load their use cases lazily, so `ca --help` does not pay for node-forge.
 */
import yargs, { type Argv, type CommandModule } from 'yargs';
import { createApiCertificateCommand } from './commands/create-api-certificate.js';
import { createControlCertificateCommand } from './commands/create-control-certificate.js';
import { createNodeCertificateCommand } from './commands/create-node-certificate.js';
import { chainCommand } from './commands/chain.js';
import { crlCommand } from './commands/crl.js';
import { exportCommand } from './commands/export.js';
import { listCommand } from './commands/list.js';
import { renewCommand } from './commands/renew.js';
import { revokeCommand } from './commands/revoke.js';
import { showCommand } from './commands/show.js';
import { statusCommand } from './commands/status.js';
import { verifyCommand } from './commands/verify.js';
import { initCommand } from './commands/init.js';
import { newCertCommand } from './commands/new-cert.js';
import { signCommand } from './commands/sign.js';
import { packageVersion } from './context.js';
import { reportUsage } from './funnel.js';
import { serveCommand } from './commands/serve.js';
import { TOKEN_SUBCOMMANDS, tokenCommand } from './commands/token.js';
import { enrollCommand } from './commands/enroll.js';
import { completionCommand } from './commands/completion.js';
import { trustCommand } from './commands/trust.js';
import { inspectCommand } from './commands/inspect.js';
import { doctorCommand } from './commands/doctor.js';
import { completer } from './complete.js';
import { globalOptions, type GlobalArgs } from './options.js';
import { describeUnknown, unknownOptions } from './unknown-options.js';

const EPILOGUE = `Examples:
  ca init --passphrase-file ca-pass.txt             create ./.ca with a CA whose key is encrypted
  ca new-cert --ip 10.0.0.1 etcd1 && ca sign etcd1  a cluster member (serverAuth + clientAuth)
  ca export --insecure etcd1 | tar xvf -            etcd1.crt, etcd1.key (0600) and ca.crt
  ca create-api-certificate alice                   alice.crt + alice.key for an API user
  ca export alice --format p12 --out alice.p12      for the macOS keychain, Windows or Java
  ca status || alert                                exit 1 when anything expires within 30 days
  ca inspect --password-file pass.txt alice.p12     what a certificate, chain, CSR, CRL or p12 file holds
  ca doctor                                         check the store: permissions, expiry, CRL, index

The store is ./.ca (--store DIR or CA_STORE to change it). Docs: docs/commands.md`;

export function buildParser(argv: string[]): Argv<GlobalArgs> {
  // Known before yargs validates, so a usage error can point at the command's own --help.
  const commandName = argv.find((a) => COMMANDS.includes(a));
  const parser = globalOptions(yargs(argv))
    .scriptName('ca')
    .usage('ca <command> [options]\n\nA TLS certificate authority for clusters: etcd, Docker, Kubernetes, APIs.')
    .command(initCommand)
    .command(newCertCommand)
    .command(signCommand)
    .command(exportCommand)
    .command(createApiCertificateCommand)
    .command(createNodeCertificateCommand)
    .command(createControlCertificateCommand)
    .command(listCommand)
    .command(showCommand)
    .command(chainCommand)
    .command(verifyCommand)
    .command(revokeCommand)
    .command(crlCommand)
    .command(renewCommand)
    .command(statusCommand)
    .command(serveCommand)
    .command(tokenCommand)
    .command(enrollCommand)
    .command(trustCommand)
    .command(inspectCommand)
    .command(doctorCommand)
    .command(completionCommand)
    .command(helpCommand)
    // yargs answers `--get-yargs-completions` (the scripts of `ca completion` ask it); its own
    // script command is hidden, under a name nobody types.
    .completion('__yargs-completion-script', false, completer(COMMANDS))
    .demandCommand(1, 'no command given')
    .recommendCommands()
    .strict()
    .version(packageVersion())
    .help()
    .alias('help', 'h')
    .epilogue(EPILOGUE)
    .wrap(Math.min(120, process.stdout.columns || 120))
    .exitProcess(false)
    .fail((message, err) => {
      // Thrown, not printed here: with exitProcess(false) yargs would otherwise go on to run the
      // handler after a validation error.
      throw new UsageFailure(usageMessage(message || err?.message || 'invalid usage', commandName, argv, knownOptions(parser)), commandName);
    });
  skipHelpCache(parser);
  return parser as Argv<GlobalArgs>;
}

/**
 * yargs renders a command's whole help after starting its handler, and keeps it in case the
 * handler asks to show it (`usage.cacheHelpMessage`, yargs 17.7, pinned). Our handlers never do
 * (help is shown by yargs itself before any handler, or by `ca help`, which builds a parser of its
 * own), and the rendering costs ~5 ms of every command, ~15 ms when word-wrapped. Where the
 * internal method is not found, yargs is left as it is.
 */
function skipHelpCache(parser: Argv): void {
  const internal = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } } })
    .getInternalMethods?.()
    .getUsageInstance?.();
  if (typeof internal?.cacheHelpMessage === 'function') internal.cacheHelpMessage = () => undefined;
}

/** The flags and aliases yargs knows at this point of the parse (the command's own included). */
function knownOptions(parser: Argv): Set<string> {
  const options = (parser as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> } }).getOptions();
  return new Set([...Object.keys(options.key), ...Object.values(options.alias).flat(), 'help', 'h', 'version']);
}

/** Only their `command` strings are read here: names, and what their arguments are called. */
const COMMAND_MODULES: Pick<CommandModule, 'command'>[] = [
  initCommand,
  newCertCommand,
  signCommand,
  exportCommand,
  createApiCertificateCommand,
  createNodeCertificateCommand,
  createControlCertificateCommand,
  listCommand,
  showCommand,
  chainCommand,
  verifyCommand,
  revokeCommand,
  crlCommand,
  renewCommand,
  statusCommand,
  serveCommand,
  tokenCommand,
  enrollCommand,
  trustCommand,
  inspectCommand,
  doctorCommand,
  completionCommand,
];
const word = (c: Pick<CommandModule, 'command'>) => String(c.command).split(' ')[0]!;
const COMMANDS = COMMAND_MODULES.map(word).concat('help');

/** `ca help [COMMAND]`: what `ca COMMAND --help` shows, as git and kubectl have it. */
const helpCommand: CommandModule<GlobalArgs, GlobalArgs & { command?: string }> = {
  command: 'help [command]',
  describe: 'show the help of a command: ca help export',
  handler: async (args) => {
    if (args.command !== undefined && !COMMANDS.includes(args.command)) {
      throw new UsageFailure(`there is no command ${JSON.stringify(args.command)}`, undefined);
    }
    const argv = args.command === undefined ? ['--help'] : [args.command, '--help'];
    await parse(buildParser(argv), argv);
  },
};

/** yargs' wording for a missing positional names no argument; say which one is missing. */
function usageMessage(message: string, command: string | undefined, argv: string[], known: Set<string>): string {
  // `ca -v`: a flag where a command belongs; say what it is not, and what the user may have meant.
  if (message === 'no command given' && argv.some((a) => /^-\w$/.test(a))) {
    const flag = argv.find((a) => /^-\w$/.test(a))!;
    return `${flag} is not an option of ca${flag === '-v' ? ' (--version prints the version, --verbose adds stack traces)' : ''}, and no command was given`;
  }
  // An unknown flag first: yargs would report the NAME it took as the flag's value as missing.
  const unknown = unknownOptions(argv, known);
  if (unknown.length > 0) return describeUnknown(unknown, known);
  if (/^Not enough non-option arguments/.test(message)) return command ? missingArgument(command, argv) : 'no command given';
  // yargs lists a bad choice over several lines: one line, in the flags' own words.
  const choice = /^Invalid values:\s*Argument: (\S+), Given: (.+?), Choices: (.+)$/s.exec(message);
  if (choice) {
    // A positional (`ca completion tcsh`) is named as the help names it, not as a flag.
    const what = argv.some((a) => a === `--${choice[1]}` || a.startsWith(`--${choice[1]}=`)) ? `--${choice[1]}` : choice[1]!.toUpperCase();
    return `invalid ${what} ${choice[2]}: choose ${choice[3].replace(/"/g, '').split(', ').join(', ')}`;
  }
  return message.replace(/^Unknown argument/, 'unknown argument').replace(/^Unknown arguments/, 'unknown arguments');
}

/** Which argument is missing, named as the command's help names it: `ca verify` needs a FILE. */
function missingArgument(command: string, argv: string[]): string {
  const top = COMMAND_MODULES.find((c) => word(c) === command)!;
  const next = argv[argv.indexOf(command) + 1];
  const sub = (top === tokenCommand ? TOKEN_SUBCOMMANDS : []).find((c) => word(c) === next);
  const wanted = (/<(\w+)>/.exec(String((sub ?? top).command))?.[1] ?? 'name').toUpperCase();
  return `\`ca ${sub ? `${command} ${next}` : command}\` needs ${/^[AEIO]/.test(wanted) ? 'an' : 'a'} ${wanted}`;
}

class UsageFailure extends Error {
  constructor(
    message: string,
    readonly command: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Runs the parser, writing what yargs prints itself (help, the version) to stdout. Given a
 * callback, yargs hands that text over instead of printing it with console.log, whose first use
 * costs ~5 ms of Node's console set-up on every `--help`.
 */
async function parse(parser: Argv<GlobalArgs>, argv: string[]): Promise<void> {
  await parser.parseAsync(argv, (_err: Error | undefined, _argv: unknown, output: string) => {
    if (output) process.stdout.write(`${output}\n`);
  });
}

/** Parses `argv` (the arguments after `ca`) and runs the command. */
export async function runCommandLine(argv: string[]): Promise<void> {
  const parser = buildParser(argv);
  const asked = argv.indexOf('--get-yargs-completions');
  if (asked >= 0) {
    // A shell asking for words: the words typed so far are not a command line to run or validate.
    const words = await parser.getCompletion(argv.slice(asked + 1));
    if (words.length) process.stdout.write(`${words.join('\n')}\n`);
    return;
  }
  if (argv.length === 0) {
    parser.showHelp((text) => process.stdout.write(`${text}\n`));
    return;
  }
  try {
    await parse(parser, argv);
  } catch (err) {
    if (!(err instanceof UsageFailure)) throw err;
    process.exitCode = await reportUsage(err.message, err.command, !argv.includes('--no-color'));
  }
}
