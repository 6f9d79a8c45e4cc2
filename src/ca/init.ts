/** `ca init`: a new store with a self-signed CA (SPEC "Commands", profile "ca"). */
import { randomUUID } from 'node:crypto';
import { usageError } from '../error.js';
import { buildCertificate } from '../pki/certificate.js';
import { encodePrivateKey, generateKey } from '../pki/key.js';
import type { KeySpec } from '../pki/key-type.js';
import { noAltNames } from '../pki/san.js';
import { randomSerial } from '../pki/serial.js';
import { computeValidity, type Lifetime } from '../pki/validity.js';
import type { Subject } from '../pki/subject.js';
import { emptyIndex } from '../store/index-file.js';
import { loadProfile } from '../store/profiles.js';
import { STORE_FORMAT, checkNewStore, createStore } from '../store/store.js';
import { indexEntry } from './issue.js';

export interface InitRequest {
  dir: string;
  /** CN, O, C of the CA; OU becomes the new cluster id */
  subject: Subject;
  keySpec: KeySpec;
  lifetime?: Lifetime | undefined;
  pathLength: number;
  passphrase?: string | undefined;
  force: boolean;
  now: Date;
}

export interface InitResult {
  dir: string;
  certPem: string;
  clusterId: string;
  encrypted: boolean;
  notAfter: string;
  replaced?: string | undefined;
  warnings: string[];
}

export const DEFAULT_CA_LIFETIME: Lifetime = { years: 10 };

export function parsePathLength(input: unknown): number {
  const n = Number(input);
  if (!Number.isInteger(n) || n < 0 || n > 16 || String(input).trim() === '') {
    throw usageError(`invalid --path-length ${JSON.stringify(String(input))}`, 'use a whole number from 0 (no intermediate CAs) to 16');
  }
  return n;
}

/** Whether `init` may go ahead in `dir`: asked before anything is prompted for or generated. */
export async function checkInit(dir: string, force: boolean): Promise<void> {
  await checkNewStore(dir, force);
}

export async function initCa(req: InitRequest): Promise<InitResult> {
  await checkNewStore(req.dir, req.force);
  const profile = await loadProfile('ca');
  const validity = computeValidity(req.now, req.lifetime ?? DEFAULT_CA_LIFETIME);
  const clusterId = randomUUID();
  const key = await generateKey(req.keySpec);
  const certPem = buildCertificate({
    subject: { ...req.subject, organizationalUnit: clusterId },
    publicKey: key,
    serial: randomSerial(),
    validity,
    profile,
    altNames: noAltNames(),
    selfKey: key,
    pathLength: req.pathLength,
  });
  const lifetime = req.lifetime ?? DEFAULT_CA_LIFETIME;
  const { dir, replaced } = await createStore({
    dir: req.dir,
    meta: { format: STORE_FORMAT, name: req.subject.commonName, clusterId, createdAt: req.now.toISOString(), caLifetime: lifetime },
    caCertPem: certPem,
    caKeyPem: encodePrivateKey(key, req.passphrase),
    index: { ...emptyIndex(), certificates: [indexEntry({ name: 'ca', profile: 'ca', pem: certPem, source: 'init', hasKey: true })] },
    force: req.force,
    now: req.now,
  });
  const warnings: string[] = [];
  if (!req.passphrase) {
    warnings.push('the CA key is stored unencrypted; anyone who can read it can issue certificates for this cluster');
  }
  return {
    dir,
    certPem,
    clusterId,
    encrypted: Boolean(req.passphrase),
    notAfter: validity.notAfter.toISOString(),
    replaced,
    warnings,
  };
}
