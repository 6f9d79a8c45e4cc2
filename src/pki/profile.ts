/**
 * Certificate profiles: what a certificate may be used for. Built-in ones are JSON under templates/
 * (SPEC "Certificate profiles"); a store's profiles/ may add or override. This module checks the
 * data against RFC 5280, so a profile can never make a certificate that verifiers must refuse
 * (SPEC "Trust of the store"); reading the files is the store's job.
 */
import { CaError, failure } from '../error.js';
import { parseDnsName } from './dns.js';
import type { KeyKind } from './key-type.js';
import { checkAttribute } from './subject.js';
import { EXT_KEY_USAGES, KEY_USAGES, type ExtKeyUsage, type KeyUsage } from './usage.js';


export interface Profile {
  name: string;
  /** the file it was read from, for messages */
  source: string;
  description: string;
  /** basicConstraints CA:TRUE: the CA's own profile and that of intermediates */
  isCa: boolean;
  keyUsage: KeyUsage[];
  extKeyUsage: ExtKeyUsage[];
  /** default validity in days */
  days: number;
  /** fixed common name (flocker-ca's control-service), else the request's */
  commonName?: string;
  /** DNS names every certificate of this profile carries */
  dnsNames?: string[];
}

const FIELDS = new Set(['description', 'isCa', 'keyUsage', 'extKeyUsage', 'days', 'commonName', 'dnsNames']);
/** 100 years: anything longer is a typo, and notAfter must stay before 9999 (RFC 5280 4.1.2.5). */
const MAX_DAYS = 36_525;

export function hasServerAuth(profile: Profile): boolean {
  return profile.extKeyUsage.includes('serverAuth');
}

/** Checks a profile read from JSON; `source` names the file in errors. */
export function parseProfile(name: string, data: unknown, source: string): Profile {
  const bad = (field: string, why: string) => failure(`invalid profile ${source}: "${field}" ${why}`, 'fix or remove the file');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw failure(`invalid profile ${source}: not a JSON object`, 'fix or remove the file');
  }
  const d = data as Record<string, unknown>;
  const unknown = Object.keys(d).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) throw bad(unknown, `is not a profile field (known: ${[...FIELDS].join(', ')})`);
  const list = <T extends string>(key: string, allowed: readonly T[]): T[] => {
    const v = d[key] ?? [];
    if (!Array.isArray(v)) throw bad(key, 'must be a list');
    const wrong = v.find((x) => !allowed.includes(x as T));
    if (wrong !== undefined) throw bad(key, `holds ${JSON.stringify(wrong)}, which is not one of ${allowed.join(', ')}`);
    return [...new Set(v as T[])];
  };
  const days = d.days;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw bad('days', `must be a whole number from 1 to ${MAX_DAYS}`);
  }
  if (d.isCa !== undefined && typeof d.isCa !== 'boolean') throw bad('isCa', 'must be true or false');
  if (d.description !== undefined && typeof d.description !== 'string') throw bad('description', 'must be text');
  const profile: Profile = {
    name,
    source,
    description: typeof d.description === 'string' ? d.description : '',
    isCa: d.isCa === true,
    keyUsage: list('keyUsage', KEY_USAGES),
    extKeyUsage: list('extKeyUsage', EXT_KEY_USAGES),
    days,
  };
  if (d.commonName !== undefined) profile.commonName = field(bad, 'commonName', () => checkAttribute('common name', String(d.commonName)), typeof d.commonName === 'string');
  if (d.dnsNames !== undefined) {
    if (!Array.isArray(d.dnsNames)) throw bad('dnsNames', 'must be a list');
    profile.dnsNames = d.dnsNames.map((n) => field(bad, 'dnsNames', () => parseDnsName(String(n)), typeof n === 'string'));
  }
  checkRfc5280(profile, bad);
  return profile;
}

function field<T>(bad: (f: string, why: string) => Error, name: string, check: () => T, typeOk: boolean): T {
  if (!typeOk) throw bad(name, 'must be text');
  try {
    return check();
  } catch (err) {
    throw bad(name, `is not valid: ${err instanceof CaError ? err.message : String(err)}`);
  }
}

function checkRfc5280(p: Profile, bad: (f: string, why: string) => Error): void {
  if (p.keyUsage.length === 0) throw bad('keyUsage', 'must not be empty');
  // RFC 5280 4.2.1.3: keyCertSign only where basicConstraints cA is asserted; 4.2.1.9: a CA asserts
  // keyCertSign. cRLSign alone on a non-CA would make an indirect CRL issuer, which nothing here signs.
  const caUsage = p.keyUsage.find((u) => u === 'keyCertSign' || u === 'cRLSign');
  if (!p.isCa && caUsage) throw bad('keyUsage', `holds ${caUsage}, which only a CA certificate may have (RFC 5280 4.2.1.3); set "isCa": true or remove it`);
  if (p.isCa && !p.keyUsage.includes('keyCertSign')) throw bad('keyUsage', 'of a CA profile must hold keyCertSign (RFC 5280 4.2.1.9)');
  // RFC 3161 2.3: a time-stamping certificate has timeStamping as its only purpose.
  if (p.extKeyUsage.includes('timeStamping') && p.extKeyUsage.length > 1) {
    throw bad('extKeyUsage', 'holds timeStamping beside other purposes; RFC 3161 2.3 wants it alone');
  }
  if (p.isCa && p.extKeyUsage.length > 0) throw bad('extKeyUsage', 'must be empty for a CA profile');
}

/**
 * The keyUsage bits a certificate of this profile gets for a key of `kind` (SPEC "keyUsage follows
 * the leaf key"): key transport (keyEncipherment, dataEncipherment) is left out for ECDSA and
 * Ed25519 keys, which cannot encrypt (RFC 5480 3, RFC 8410 5); a usage the key can never have
 * otherwise (keyAgreement on RSA or Ed25519) is refused, naming the profile.
 */
export function keyUsageFor(profile: Profile, kind: KeyKind): KeyUsage[] {
  const usages = profile.keyUsage.filter((u) => !kind.droppedUsages.includes(u));
  const wrong = usages.find((u) => !kind.allowedUsages.includes(u));
  if (wrong) {
    throw failure(`profile ${profile.source}: "keyUsage" holds ${wrong}, which an ${kind.family} key cannot have (RFC 5280 4.2.1.3)`, 'remove it from the profile, or use another key type');
  }
  if (usages.length === 0) throw failure(`profile ${profile.source}: "keyUsage" leaves nothing for an ${kind.family} key`, 'add digitalSignature');
  return usages;
}
