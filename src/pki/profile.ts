/**
 * Certificate profiles: what a certificate may be used for. Built-in ones are JSON under templates/
 * (SPEC "Certificate profiles"); a store's profiles/ may add or override. This module only checks
 * the data; reading the files is the store's job.
 */
import { failure } from '../error.js';

export const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];

export const EXT_KEY_USAGES = ['serverAuth', 'clientAuth', 'codeSigning', 'emailProtection', 'timeStamping'] as const;
export type ExtKeyUsage = (typeof EXT_KEY_USAGES)[number];

export interface Profile {
  name: string;
  description: string;
  /** true only for the CA profile: basicConstraints CA:TRUE */
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

export function hasServerAuth(profile: Profile): boolean {
  return profile.extKeyUsage.includes('serverAuth');
}

/** Checks a profile read from JSON; `source` names the file in errors. */
export function parseProfile(name: string, data: unknown, source: string): Profile {
  const bad = (why: string) => failure(`invalid profile ${source}: ${why}`, 'fix or remove the file');
  if (typeof data !== 'object' || data === null) throw bad('not a JSON object');
  const d = data as Record<string, unknown>;
  const list = <T extends string>(key: string, allowed: readonly T[]): T[] => {
    const v = d[key] ?? [];
    if (!Array.isArray(v) || !v.every((x) => allowed.includes(x))) {
      throw bad(`"${key}" must be a list of ${allowed.join(', ')}`);
    }
    return v as T[];
  };
  const days = d.days;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1) throw bad('"days" must be a positive whole number');
  const isCa = d.isCa === true;
  const profile: Profile = {
    name,
    description: typeof d.description === 'string' ? d.description : '',
    isCa,
    keyUsage: list('keyUsage', KEY_USAGES),
    extKeyUsage: list('extKeyUsage', EXT_KEY_USAGES),
    days,
  };
  if (typeof d.commonName === 'string') profile.commonName = d.commonName;
  if (Array.isArray(d.dnsNames)) profile.dnsNames = d.dnsNames.map(String);
  if (profile.keyUsage.length === 0) throw bad('"keyUsage" must not be empty');
  return profile;
}
