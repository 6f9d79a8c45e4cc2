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
  'key-bits'?: string | undefined;
}

export function subjectOptions<T>(y: Argv<T>, defaultBits: number) {
  return y
    .option('organization', { type: 'string', alias: 'o', describe: 'organization (O)' })
    .option('country', { type: 'string', alias: 'c', describe: 'country (C), ISO 3166 alpha-2 such as DE or US' })
    .option('key-bits', { type: 'string', describe: 'RSA key size: 2048, 3072 or 4096', default: String(defaultBits) })
    .group(['organization', 'country', 'key-bits'], GROUPS.subject);
}

export interface LifetimeArgs {
  years?: string | undefined;
  days?: string | undefined;
}

export function lifetimeOptions<T>(y: Argv<T>, defaultDescription: string) {
  return y
    .option('years', { type: 'string', describe: 'validity in years', defaultDescription })
    .option('days', { type: 'string', describe: 'validity in days' })
    .group(['years', 'days'], GROUPS.validity);
}

export interface AltNameArgs {
  ip?: string | string[] | undefined;
  domain?: string | string[] | undefined;
}

/**
 * Not yargs' `array: true`: that takes every following word, so in etcd-ca's own order,
 * `--domain localhost server1`, the NAME would become a domain. A repeated flag still gives a list.
 */
export function altNameOptions<T>(y: Argv<T>) {
  return y
    .option('ip', { type: 'string', describe: 'IP address SAN (repeatable, or comma-separated)' })
    .option('domain', { type: 'string', describe: 'DNS name SAN (repeatable, or comma-separated)' })
    .group(['ip', 'domain'], GROUPS.subject);
}

export function forceOption<T>(y: Argv<T>, describe: string) {
  return y.option('force', { type: 'boolean', describe });
}
