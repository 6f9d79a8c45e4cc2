/**
 * Options shared by several commands, defined once (smallstep's habit) so their names, help text and
 * defaults cannot drift apart. Numbers are taken as strings and parsed by pki, which gives a precise
 * error; yargs would turn "abc" into NaN without a word.
 */
import type { Argv } from 'yargs';

export interface GlobalArgs {
  store?: string | undefined;
  json?: boolean | undefined;
  quiet?: boolean | undefined;
  color?: boolean | undefined;
  verbose?: boolean | undefined;
}

export const GROUPS = {
  global: 'Global options:',
  secrets: 'Passphrases:',
  subject: 'Subject and key:',
  validity: 'Validity:',
  output: 'Output:',
};

export function globalOptions<T>(y: Argv<T>) {
  return y
    .option('store', { type: 'string', describe: 'store directory (env CA_STORE)', defaultDescription: '.ca' })
    .option('json', { type: 'boolean', describe: 'machine-readable output on stdout' })
    .option('quiet', { type: 'boolean', alias: 'q', describe: 'print only results, warnings and errors' })
    .option('color', { type: 'boolean', describe: 'colour on a terminal (--no-color or NO_COLOR to turn off)', default: true })
    .option('verbose', { type: 'boolean', describe: 'stack traces with errors' })
    .group(['store', 'json', 'quiet', 'color', 'verbose', 'help', 'version'], GROUPS.global);
}

export interface KeyPassphraseArgs {
  passphrase?: string | undefined;
  'passphrase-file'?: string | undefined;
}

export interface CaPassphraseArgs {
  'ca-passphrase'?: string | undefined;
  'ca-passphrase-file'?: string | undefined;
}

export function keyPassphraseOptions<T>(y: Argv<T>, describe: string) {
  return y
    .option('passphrase', { type: 'string', describe, requiresArg: false })
    .option('passphrase-file', { type: 'string', describe: 'read that passphrase from the first line of a file' })
    .group(['passphrase', 'passphrase-file'], GROUPS.secrets);
}

export function caPassphraseOptions<T>(y: Argv<T>) {
  return y
    .option('ca-passphrase', { type: 'string', describe: 'passphrase of the CA key (env CA_PASSPHRASE)' })
    .option('ca-passphrase-file', { type: 'string', describe: 'read the CA passphrase from the first line of a file' })
    .group(['ca-passphrase', 'ca-passphrase-file'], GROUPS.secrets);
}

export interface SubjectArgs {
  organization?: string | undefined;
  country?: string | undefined;
}

export function subjectOptions<T>(y: Argv<T>) {
  return y
    .option('organization', { type: 'string', alias: 'o', describe: 'organization (O)' })
    .option('country', { type: 'string', alias: 'c', describe: 'country (C), ISO 3166 alpha-2 such as DE or US' })
    .group(['organization', 'country'], GROUPS.subject);
}

export interface KeyArgs {
  'key-type'?: string | undefined;
  curve?: string | undefined;
  'key-bits'?: string | undefined;
}

/** The key flags (SPEC "Keys and signatures"); `typeDefault` says what applies without them. */
export function keyOptions<T>(y: Argv<T>, typeDefault: string, bitsDefault: string) {
  return y
    .option('key-type', { type: 'string', describe: 'rsa, ecdsa or ed25519', defaultDescription: typeDefault })
    .option('curve', { type: 'string', describe: 'ECDSA curve: P-256 or P-384', defaultDescription: 'P-256' })
    .option('key-bits', { type: 'string', describe: 'RSA key size: 2048, 3072 or 4096', defaultDescription: bitsDefault })
    .group(['key-type', 'curve', 'key-bits'], GROUPS.subject);
}

/** The key flags checked on their own (the store's default applies in the use case). */
export async function keyChoiceOf(args: KeyArgs) {
  const { parseKeyChoice } = await import('../pki/key-type.js');
  return parseKeyChoice({ keyType: args['key-type'], curve: args.curve, keyBits: args['key-bits'] });
}

export interface LifetimeArgs {
  years?: string | undefined;
  days?: string | undefined;
}

/** The default is shown beside the flag it is counted in: `--days [default: 825]`, `--years [default: 10]`. */
export function lifetimeOptions<T>(y: Argv<T>, defaults: { years?: string; days?: string }) {
  return y
    .option('years', { type: 'string', describe: 'validity in years', defaultDescription: defaults.years })
    .option('days', { type: 'string', describe: 'validity in days', defaultDescription: defaults.days })
    .group(['years', 'days'], GROUPS.validity);
}

export interface AltNameArgs {
  ip?: string | string[] | undefined;
  domain?: string | string[] | undefined;
  uri?: string | string[] | undefined;
  email?: string | string[] | undefined;
}

/**
 * Not yargs' `array: true`: that takes every following word, so in etcd-ca's own order,
 * `--domain localhost server1`, the NAME would become a domain. A repeated flag still gives a list.
 */
export function altNameOptions<T>(y: Argv<T>) {
  return y
    .option('ip', { type: 'string', describe: 'IP address SAN (repeatable, or comma-separated)' })
    .option('domain', { type: 'string', describe: 'DNS name SAN (repeatable, or comma-separated)' })
    .option('uri', { type: 'string', describe: 'URI SAN, e.g. a SPIFFE ID spiffe://cluster.local/ns/web/sa/api (repeatable)' })
    .option('email', { type: 'string', describe: 'e-mail address SAN (repeatable, or comma-separated)' })
    .group(['ip', 'domain', 'uri', 'email'], GROUPS.subject);
}

/** The SAN flags checked into names. URIs are not split at commas: a URI may hold one. */
export async function altNamesOf(args: AltNameArgs) {
  const { parseAltNames, splitList } = await import('../pki/san.js');
  const uris = args.uri === undefined ? [] : (Array.isArray(args.uri) ? args.uri : [args.uri]).map(String);
  return parseAltNames({ domains: splitList(args.domain), ips: splitList(args.ip), uris, emails: splitList(args.email) });
}

export function forceOption<T>(y: Argv<T>, describe: string) {
  return y.option('force', { type: 'boolean', describe });
}
