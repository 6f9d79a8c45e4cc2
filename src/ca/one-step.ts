/**
 * flocker-ca's one-step certificates: a key and a certificate in one command, kept in the store and
 * written as NAME.crt and NAME.key (0600) to an output directory to hand over. `--count` issues many
 * node certificates at once: keys are generated concurrently on every core (libuv's thread pool)
 * and each certificate is signed and recorded as its key arrives, so an interruption leaves only
 * whole certificates, each in the index.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { alreadyExists, usageError } from '../error.js';
import { encodePrivateKey } from '../pki/key.js';
import type { KeySpec } from '../pki/key-type.js';
import { isIP } from 'node:net';
import { noAltNames, parseAltNames, type AltNames } from '../pki/san.js';
import { dnsPermitted, noHostName, outsideConstraints } from '../pki/constraints.js';
import type { Lifetime } from '../pki/validity.js';
import { validateNewName } from '../pki/name.js';
import { UPPER_BOUND, checkCommonNameLength } from '../pki/subject.js';
import { exists, makePrivateDirectory } from '../store/file.js';
import { openStore, type CaStore } from '../store/store.js';
import { openAuthority, type Authority, type PassphraseSource } from './authority.js';
import { checkNameFree, issueCertificate } from './issue.js';
import { newLeafKey } from './leaf-key.js';
import { writeOutputFiles } from './output-file.js';
import type { Profile } from '../pki/profile.js';

/** Who a one-step certificate is for: its name in the store (and file names), profile, CN, SANs. */
export interface Identity {
  name: string;
  profile: string;
  commonName: string;
  altNames: AltNames;
}

/**
 * flocker-ca: API users are `user-USER` (clientAuth only). An administrator of `ca serve` is
 * `admin-USER`, profile `admin`: a client certificate the server lets sign and revoke.
 */
export function apiIdentity(user: string, admin = false): Identity {
  const name = validateNewName(user, 'user name');
  const prefix = admin ? 'admin-' : 'user-';
  // A name may have 64 characters, the CN that carries it a prefix more (RFC 5280 ub-common-name 64).
  checkCommonNameLength(`${prefix}${name}`, `use a USER of at most ${UPPER_BOUND - prefix.length} characters`);
  return { name, profile: admin ? 'admin' : 'api', commonName: `${prefix}${name}`, altNames: noAltNames() };
}

/**
 * An API user's or administrator's certificate names no host, and its CN is `user-USER`. Java's
 * PKIX reads such a CN as a DNS name when there is no DNS SAN and holds it to the DNS constraints
 * of the CAs above (OpenJDK 17 NameConstraintsExtension.verify), so below a constrained CA it
 * would refuse every one (SPEC "Name constraints constrain every name form"). Such a certificate
 * gets the DNS SAN `user-USER.invalid`: a name RFC 6761 6.4 guarantees never exists, so it lets
 * the holder serve as no host, that every CA constrained in every form permits, and that makes
 * each verifier read the SAN and leave the CN alone. The CN keeps its meaning.
 */
function withNoHostName(id: Identity, authority: Authority): Identity {
  if ((id.profile !== 'api' && id.profile !== 'admin') || id.altNames.dns.length > 0) return id;
  const refused = authority.constraints.some((c) => outsideConstraints(c, id.altNames, id.commonName) !== undefined);
  const name = noHostName(id.commonName);
  if (!refused || name === undefined) return id;
  const altNames = { ...id.altNames, dns: [name] };
  // A CA made before every form was constrained does not permit it: the refusal names the CN.
  return authority.constraints.every((c) => dnsPermitted(c, name)) ? { ...id, altNames } : id;
}

/** flocker-ca: nodes are `node-<uuid>`; the name in the store is that unless given. */
export function nodeIdentity(altNames: AltNames, name?: string): Identity {
  const cn = `node-${randomUUID()}`;
  return { name: name === undefined ? cn : validateNewName(name), profile: 'node', commonName: cn, altNames };
}

/** flocker-ca: the control service is `control-service`, reachable as HOST (a DNS name or an IP). */
export function controlIdentity(host: string): Identity {
  const altNames = isIP(host) ? parseAltNames({ ips: [host] }) : parseAltNames({ domains: [host] });
  const shown = altNames.dns[0] ?? altNames.ips[0]!.text;
  // An IPv6 address has colons, which a file name should not: control-fd00--1.
  const name = validateNewName(`control-${shown.replace(/[^A-Za-z0-9._-]/g, '-')}`);
  return { name, profile: 'control', commonName: 'control-service', altNames };
}

export interface OneStepRequest {
  storeDir: string;
  identities: Identity[];
  keySpec: KeySpec;
  /** encrypts the new keys */
  passphrase?: string | undefined;
  caPassphrase?: PassphraseSource | undefined;
  lifetime?: Lifetime | undefined;
  force: boolean;
  outDir: string;
  now: Date;
  /** called after each certificate, for progress */
  onIssued?: (done: number, total: number) => void;
}

export interface OneStepCertificate {
  name: string;
  commonName: string;
  serial: string;
  sans: string[];
  notAfter: string;
  certificate: string;
  key: string;
}

export interface OneStepResult {
  issued: OneStepCertificate[];
  warnings: string[];
}

export async function issueOneStep(req: OneStepRequest): Promise<OneStepResult> {
  const store = await openStore(req.storeDir);
  const profiles = new Map<string, Profile>();
  for (const id of req.identities) if (!profiles.has(id.profile)) profiles.set(id.profile, await store.loadProfile(id.profile));
  const authority = await openAuthority(store, req.caPassphrase, { now: req.now });
  await checkTargets(store, req);
  // A missing --out is made, 0700 as the store's directories: it is about to hold keys.
  await makePrivateDirectory(resolve(req.outDir));

  const issued: OneStepCertificate[] = [];
  const warnings: string[] = [];
  const work = req.identities.map((id) => withNoHostName(id, authority)).map((id) => () => issueOne(store, authority, profiles.get(id.profile)!, id, req));
  await runPool(work, concurrency(req.identities.length), (one) => {
    issued.push(one.certificate);
    warnings.push(...one.warnings);
    req.onIssued?.(issued.length, req.identities.length);
  });
  return { issued, warnings };
}

async function issueOne(store: CaStore, authority: Authority, profile: Profile, id: Identity, req: OneStepRequest) {
  const key = await newLeafKey(req.keySpec);
  const keyPem = encodePrivateKey(key, req.passphrase);
  const result = await issueCertificate({
    store,
    authority,
    name: id.name,
    profile,
    subject: { commonName: id.commonName },
    altNames: id.altNames,
    publicKey: key,
    key: { pem: keyPem },
    lifetime: req.lifetime,
    now: req.now,
    source: 'one-step',
    force: req.force,
  });
  // The store and its index first: a certificate that exists is always recorded. The copies to
  // hand over come after; if they are lost, `ca export NAME` gives them again.
  const out = outputPaths(req.outDir, id.name);
  await writeOutputFiles([
    { path: out.certificate, data: result.chainPem, holdsKey: false, force: req.force },
    { path: out.key, data: keyPem, holdsKey: true, force: req.force },
  ]);
  const certificate: OneStepCertificate = {
    name: id.name,
    commonName: profile.commonName ?? id.commonName,
    serial: result.entry.serial,
    sans: result.entry.sans,
    notAfter: result.entry.notAfter,
    ...out,
  };
  return { certificate, warnings: result.warnings };
}

function outputPaths(outDir: string, name: string) {
  const dir = resolve(outDir);
  return { certificate: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/** Before any key is made: no name taken, no output file in the way (unless --force). */
async function checkTargets(store: CaStore, req: OneStepRequest): Promise<void> {
  const outDir = await stat(resolve(req.outDir)).catch(() => undefined);
  if (outDir && !outDir.isDirectory()) throw usageError(`--out ${req.outDir} is not a directory`, 'give a directory for NAME.crt and NAME.key');
  if (req.force) return;
  const index = await store.readIndex();
  const names = new Set<string>();
  for (const id of req.identities) {
    if (names.has(id.name)) throw usageError(`the name ${id.name} is given twice`);
    names.add(id.name);
    checkNameFree(index, id.name, false);
    const out = outputPaths(req.outDir, id.name);
    for (const path of [out.certificate, out.key]) {
      if (await exists(path)) throw alreadyExists(`${path} already exists`, 'pass --force to replace it, or choose another --out');
    }
  }
}

/**
 * Key generation runs in libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise).
 * Filling the pool beats one job per core: measured on 2 vCPUs, 108-122 ms per 2048-bit key with 4
 * jobs against 137 ms with 2 (docs/performance.md).
 */
function concurrency(total: number): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(total, Math.max(pool, availableParallelism())));
}

async function runPool<T>(jobs: (() => Promise<T>)[], width: number, onDone: (value: T) => void): Promise<void> {
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < jobs.length && firstError === undefined) {
      const job = jobs[next++]!;
      try {
        onDone(await job());
      } catch (err) {
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  if (firstError !== undefined) throw firstError;
}
