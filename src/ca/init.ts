/**
 * `ca init`: a new store with its CA (SPEC "Commands", "Hierarchy, constraints and pointers"): a
 * self-signed root, or, with `--parent DIR`, an intermediate CA signed by the CA of the store at DIR
 * and recorded there with profile `intermediate`.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { usageError } from '../error.js';
import { buildCertificate } from '../pki/certificate.js';
import { hasConstraints, type NameConstraints } from '../pki/constraints.js';
import { encodePrivateKey } from '../pki/key.js';
import { generateKey } from '../pki/key-generation.js';
import { CA_RSA_BITS, resolveKeySpec, type KeyChoice, type KeySpec } from '../pki/key-type.js';
import { validateName } from '../pki/name.js';
import { wholeNumber } from '../pki/whole-number.js';
import { noAltNames } from '../pki/san.js';
import { randomSerial } from '../pki/serial.js';
import { subjectText, type Subject } from '../pki/subject.js';
import { computeValidity, type Lifetime } from '../pki/validity.js';
import { emptyIndex } from '../store/index-file.js';
import { keyDefaults } from '../store/meta.js';
import { loadProfile } from '../store/profiles.js';
import { STORE_FORMAT, checkNewStore, createStore, openStore, type CaStore } from '../store/store.js';
import { openAuthority, type Authority, type PassphraseSource } from './authority.js';
import { checkNameFree, checkNotCaSubject, indexEntry } from './issue.js';
import { checkWithinParent } from './parent.js';

export interface InitRequest {
  dir: string;
  /** CN, O, C of the CA; OU becomes the new cluster id */
  subject: Subject;
  keySpec: KeySpec;
  /** the key type was chosen (or inherited): it becomes the store's default for every key */
  keyDefault: boolean;
  lifetime?: Lifetime | undefined;
  pathLength: number;
  passphrase?: string | undefined;
  nameConstraints?: NameConstraints | undefined;
  crlUrl?: string | undefined;
  /** make an intermediate CA signed by the store at `dir` */
  parent?: { dir: string; passphrase?: PassphraseSource | undefined } | undefined;
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
  /** with a parent: the name the intermediate is recorded under there */
  parentName?: string | undefined;
  warnings: string[];
}

export const DEFAULT_CA_LIFETIME: Lifetime = { years: 10 };

export function parsePathLength(input: unknown): number {
  return wholeNumber(input, '--path-length', 0, 16, 'use a whole number from 0 (no intermediate CAs) to 16');
}

/** Whether `init` may go ahead in `dir`: asked before anything is prompted for or generated. */
export async function checkInit(dir: string, force: boolean): Promise<void> {
  await checkNewStore(dir, force);
}

/** The CA key to make: the flags' choice, else (with --parent) the parent store's default type, else RSA 4096. */
export async function caKeySpec(choice: KeyChoice, parentDir: string | undefined): Promise<{ spec: KeySpec; isDefault: boolean }> {
  const parentDefaults = parentDir === undefined ? undefined : keyDefaults((await openParentStore(parentDir)).meta);
  const spec = resolveKeySpec(choice, parentDefaults, CA_RSA_BITS);
  return { spec, isDefault: choice.type !== undefined || choice.curve !== undefined || parentDefaults !== undefined };
}

export async function initCa(req: InitRequest): Promise<InitResult> {
  await checkNewStore(req.dir, req.force);
  const parent = req.parent ? await openParent(req) : undefined;
  const clusterId = randomUUID();
  const subject: Subject = { ...req.subject, organizationalUnit: clusterId };
  const key = await generateKey(req.keySpec);
  const warnings: string[] = [];
  const made = parent ? await signByParent(parent, req, subject, key, warnings) : await selfSign(req, subject, key);
  const { dir, replaced } = await createStore({
    dir: req.dir,
    meta: {
      format: STORE_FORMAT,
      name: req.subject.commonName,
      clusterId,
      createdAt: req.now.toISOString(),
      caLifetime: req.lifetime ?? (parent ? { days: made.profileDays } : DEFAULT_CA_LIFETIME),
      defaults: req.keyDefault ? { keyType: req.keySpec.type, curve: req.keySpec.type === 'ecdsa' ? req.keySpec.curve : undefined } : undefined,
      crlUrl: req.crlUrl,
    },
    caCertPem: made.certPem,
    caKeyPem: encodePrivateKey(key, req.passphrase),
    chainPem: parent ? [parent.authority.chain.ca, ...parent.authority.chain.above].join('') : undefined,
    index: {
      ...emptyIndex(),
      certificates: [indexEntry({ name: 'ca', profile: parent ? 'intermediate' : 'ca', pem: made.certPem, source: 'init', hasKey: true })],
    },
    force: req.force,
    now: req.now,
  });
  if (!req.passphrase) {
    warnings.push('the CA key is stored unencrypted; anyone who can read it can issue certificates for this cluster');
  }
  return {
    dir,
    certPem: made.certPem,
    clusterId,
    encrypted: Boolean(req.passphrase),
    notAfter: made.notAfter.toISOString(),
    replaced,
    parentName: made.parentName,
    warnings,
  };
}

interface Made {
  certPem: string;
  notAfter: Date;
  profileDays: number;
  parentName?: string;
}

async function selfSign(req: InitRequest, subject: Subject, key: KeyObject): Promise<Made> {
  const profile = await loadProfile('ca');
  const validity = computeValidity(req.now, req.lifetime ?? DEFAULT_CA_LIFETIME);
  const certPem = buildCertificate({
    subject,
    publicKey: key,
    serial: randomSerial(),
    validity,
    profile,
    altNames: noAltNames(),
    selfKey: key,
    pathLength: req.pathLength,
    nameConstraints: req.nameConstraints,
  });
  return { certPem, notAfter: validity.notAfter, profileDays: profile.days };
}

interface Parent {
  store: CaStore;
  authority: Authority;
}

async function openParent(req: InitRequest): Promise<Parent> {
  const dir = req.parent!.dir;
  const store = await openParentStore(dir);
  const authority = await openAuthority(store, req.parent!.passphrase, {
    now: req.now,
    sources: '--parent-passphrase, --parent-passphrase-file or CA_PARENT_PASSPHRASE',
    check: (ca) => checkWithinParent(ca, req.pathLength, req.nameConstraints, dir, req.subject.commonName),
  });
  return { store, authority };
}

function openParentStore(dir: string): Promise<CaStore> {
  return openStore(dir).catch((err: Error) => {
    throw usageError(`--parent ${dir} is not a CA store (${err.message})`, 'give the directory of the store whose CA signs this one (its .ca)');
  });
}

/**
 * The name the intermediate gets in the parent's index: the CA's CN when it is a valid store name,
 * else the CN with every other character made a hyphen ("Acme Prod CA" → "Acme-Prod-CA").
 */
export function parentEntryName(commonName: string): string {
  const slug = commonName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  try {
    return validateName(slug || 'intermediate');
  } catch {
    return validateName(`ca-${slug}`.slice(0, 64));
  }
}

async function signByParent(parent: Parent, req: InitRequest, subject: Subject, key: KeyObject, warnings: string[]): Promise<Made> {
  const profile = await parent.store.loadProfile('intermediate');
  checkNotCaSubject(subject, parent.authority.subject);
  const validity = computeValidity(req.now, req.lifetime ?? { days: profile.days }, parent.authority.notAfter);
  if (validity.clamped) warnings.push(`the intermediate would outlive its parent; its validity is cut to the parent's end, ${validity.notAfter.toISOString()}`);
  const name = parentEntryName(subject.commonName);
  const certPem = await parent.store.change(async (tx) => {
    checkNameFree(tx.index, name, req.force);
    const pem = buildCertificate({
      subject,
      publicKey: key,
      serial: randomSerial((s) => tx.serialTaken(s)),
      validity,
      profile,
      altNames: noAltNames(),
      issuer: { certificate: parent.authority.certificate, key: parent.authority.key },
      pathLength: req.pathLength,
      nameConstraints: req.nameConstraints,
      crlUrl: parent.store.meta.crlUrl,
    });
    tx.issue({ entry: indexEntry({ name, profile: 'intermediate', pem, source: 'init', hasKey: false }), certPem: pem });
    return pem;
  });
  if (!hasConstraints(req.nameConstraints) && parent.authority.constraints.length > 0) {
    warnings.push(`the parent's name constraints apply to this CA too: it can certify only what ${subjectText(parent.authority.subject)} may`);
  }
  return { certPem, notAfter: validity.notAfter, profileDays: profile.days, parentName: name };
}

