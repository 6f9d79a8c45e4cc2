/**
 * The use cases of `ca serve`, over a store and a CA opened once (the CA passphrase is read once at
 * start): signing a request for an administrator or against an enrollment token, renewing a
 * certificate for its holder, revoking, listing, and the CA chain and CRL. Every rule on what a
 * certificate may contain is the same code the command line runs (issue.ts, csr.ts), so the CLI and
 * the API cannot disagree.
 */
import { X509Certificate } from 'node:crypto';
import { denied, failure, unauthenticated, usageError } from '../error.js';
import { crlNextUpdate } from '../pki/crl.js';
import { readRequest, type RequestInfo } from '../pki/csr.js';
import type { Profile } from '../pki/profile.js';
import { encodePrivateKey } from '../pki/key.js';
import { generateKey } from '../pki/key-generation.js';
import { leafSpecFor } from '../store/meta.js';
import { altNamesFromText, altNamesText, hostCommonName, type AltNames } from '../pki/san.js';
import { subjectOf, type Subject } from '../pki/subject.js';
import { validateNewName } from '../pki/name.js';
import type { Lifetime } from '../pki/validity.js';
import { openCertificate } from '../pki/x509.js';
import { entriesOfCommonName, entryBySerial, type Index, type IndexEntry, type PendingRequest, type TokenRecord } from '../store/index-file.js';
import { openStore, type CaStore, type StoreTransaction } from '../store/store.js';
import { openAuthority, type Authority, type PassphraseSource } from './authority.js';
import { rootOf } from './chain.js';
import { issueCertificate, issuingProfile, issueWithin, prepareIssue, type Issued, type IssueParams } from './issue.js';
import { DEFAULT_CRL_DAYS, revokeIn, writeCrl, type RevokeResult } from './revoke.js';
import { activeToken, checkReplaceable, redeemToken } from './token.js';

export interface Service {
  store: CaStore;
  authority: Authority;
  profiles: Map<string, Profile>;
}

export async function openService(req: { storeDir: string; caPassphrase?: PassphraseSource | undefined; now: Date }): Promise<Service> {
  const store = await openStore(req.storeDir);
  const authority = await openAuthority(store, req.caPassphrase, { now: req.now });
  return { store, authority, profiles: new Map() };
}

async function profileOf(service: Service, name: string): Promise<Profile> {
  let p = service.profiles.get(name);
  if (!p) {
    p = await issuingProfile(name, service.store);
    service.profiles.set(name, p);
  }
  return p;
}

/**
 * The server's own TLS certificate, issued at start (SPEC: name `ca-server`, SANs from --ip,
 * --domain and the listen address); each start supersedes the last one.
 */
export async function serverCertificate(service: Service, altNames: AltNames, now: Date): Promise<{ certPem: string; keyPem: string }> {
  const key = await generateKey(leafSpecFor(service.store.meta));
  const keyPem = encodePrivateKey(key);
  const issued = await issueCertificate({
    store: service.store,
    authority: service.authority,
    name: 'ca-server',
    profile: await profileOf(service, 'server'),
    subject: { commonName: hostCommonName(altNames) ?? 'ca-server' },
    altNames,
    publicKey: key,
    key: { pem: keyPem },
    now,
    source: 'one-step',
    force: true,
  });
  return { certPem: issued.chainPem, keyPem };
}

/** The CA certificates, the issuing CA first and the root last (`ca-show`). */
export function caChainPem(service: Service): string {
  return [service.authority.chain.ca, ...service.authority.chain.above].join('');
}

export function rootPem(service: Service): string {
  return rootOf(service.authority.chain);
}

export type Credential = { kind: 'admin'; entry: IndexEntry } | { kind: 'token'; token: string } | { kind: 'certificate'; entry: IndexEntry };

/**
 * The index entry of a client certificate that TLS has already chained to this CA: it must be one
 * this CA issued (same serial and fingerprint), in force (not revoked, not superseded) and, for an
 * administrator, of profile `admin`.
 */
export async function identify(service: Service, peer: X509Certificate): Promise<IndexEntry> {
  const entry = await service.store.change(async (tx) => entryBySerial(tx.index, peer.serialNumber));
  if (!entry || entry.fingerprint !== peer.fingerprint256) throw unauthenticated('the client certificate was not issued by this CA');
  if (entry.status !== 'valid') throw unauthenticated(`the client certificate ${entry.serial} (${entry.name}) is ${entry.status}`);
  return entry;
}

export interface SignAsk {
  csr: Buffer | string;
  profile?: string | undefined;
  name?: string | undefined;
  days?: number | undefined;
  /** an administrator replacing a certificate of the same name */
  force?: boolean | undefined;
  credential: Credential;
  now: Date;
}

/** `POST /v1/sign`: an administrator's request (any profile), or a token's (what it allows). */
export async function signFor(service: Service, ask: SignAsk): Promise<Issued> {
  const credential = ask.credential;
  if (credential.kind === 'token') return signForToken(service, ask, credential.token);
  if (credential.kind !== 'admin') throw failure('only an administrator or an enrollment token may ask for a certificate');
  const info = readRequest(ask.csr, 'the request');
  const lifetime = lifetimeOf(ask);
  // A name from a request is held to the rules of a NAME on the command line (SPEC "Third wave").
  const askedName = ask.name === undefined ? undefined : validateNewName(ask.name);
  const profile = await profileOf(service, ask.profile ?? 'peer');
  const subject = { commonName: info.subject.commonName || askedName || hostCommonName(info.altNames) || '', organization: info.subject.organization };
  if (!subject.commonName) throw usageError('the request has no common name and no DNS or IP name', 'give "name", or a request with a CN');
  // Without a name (Magnum's `ca-sign`) every request gets a certificate of its own, named from its CN.
  const name = askedName ?? { fromCommonName: subject.commonName };
  const prepared = prepare(service, info, { profile, name, subject, sans: undefined, lifetime, force: ask.force === true, now: ask.now });
  return service.store.change(async (tx) => issueWithin(tx, prepared));
}

function lifetimeOf(ask: SignAsk): { days: number } | undefined {
  return ask.days === undefined ? undefined : { days: ask.days };
}

/**
 * A token's request. The token is verified before anything the request carries is read, and its
 * use is counted in the very change that issues, so a single-use token serves once.
 */
async function signForToken(service: Service, ask: SignAsk, token: string): Promise<Issued> {
  return service.store.change(async (tx) => {
    const record = activeToken(tx.index, token, ask.now);
    const info = readRequest(ask.csr, 'the request');
    const askedName = ask.name === undefined ? undefined : validateNewName(ask.name);
    const allowed = redeemToken(tx, record, { profile: ask.profile, name: askedName, sans: altNamesText(info.altNames) }, ask.now);
    const profile = await profileOf(service, allowed.profile);
    const lifetime = lifetimeOf(ask);
    if (lifetime && lifetime.days > profile.days) throw usageError(`a token's certificate lasts at most the profile's ${profile.days} days`);
    const subject = tokenSubject(tx.index, allowed.record, altNamesFromText(allowed.sans), askedName);
    const name = allowed.name ?? askedName ?? { fromCommonName: subject.commonName };
    // A token that names its certificate may replace an earlier one of that name and profile (a node enrolled again).
    if (allowed.name !== null) checkReplaceable(tx.index, allowed.name, profile.name);
    const issued = issueWithin(tx, prepare(service, info, { profile, name, subject, sans: allowed.sans, lifetime, force: allowed.name !== null, now: ask.now }));
    const dropped = droppedSubject(info.subject, subject);
    if (dropped) issued.warnings.push(`the request's subject (${dropped}) was not taken: a token's certificate is named by the token`);
    return issued;
  });
}

/**
 * SPEC "Third wave": through a token, the subject comes from the token alone. CN: the token's
 * name, else the certificate's first DNS name, else its first IP (all of them allowed by the
 * token), else — a profile without serverAuth and a token without SANs — the name asked for.
 * O: the token's organization or none. The CSR's subject is never read: a token for `etcd2` must
 * not sign `/O=system:masters/CN=admin` (Kubernetes reads O as a group, etcd the CN as a user).
 */
function tokenSubject(index: Index, token: TokenRecord, altNames: AltNames, askedName: string | undefined): Subject {
  const commonName = token.name ?? hostCommonName(altNames) ?? askedName;
  if (!commonName) throw usageError(`the enrollment token ${token.id} names no certificate and allows no DNS or IP name`, 'give "name" in the request');
  // A CN the caller chose must not be another certificate's in force: `user-alice` would be alice
  // to every service that authorises by CN (etcd, Kubernetes).
  if (commonName === askedName && token.name === null) checkCommonNameFree(index, commonName);
  return { commonName, organization: token.organization ?? undefined };
}

function checkCommonNameFree(index: Index, commonName: string): void {
  const holder = entriesOfCommonName(index, commonName).find((e) => e.status === 'valid');
  if (holder) {
    throw denied(`the CN ${commonName} is that of certificate ${holder.name} (${holder.profile}): a token's certificate may not take another's CN`, 'ask for another name, or a token with --name');
  }
}

/** What the request's subject asked for that the certificate does not carry, as text; '' when nothing. */
function droppedSubject(asked: Subject, given: Subject): string {
  const parts: string[] = [];
  if (asked.commonName && asked.commonName !== given.commonName) parts.push(`CN=${asked.commonName}`);
  if (asked.organization && asked.organization !== given.organization) parts.push(`O=${asked.organization}`);
  if (asked.country) parts.push(`C=${asked.country}`);
  return parts.join(', ');
}

interface Preparing {
  profile: Profile;
  name: IssueParams['name'];
  subject: Subject;
  sans: string[] | undefined;
  lifetime: Lifetime | undefined;
  force: boolean;
  now: Date;
}

function prepare(service: Service, info: RequestInfo, o: Preparing) {
  return prepareIssue({
    store: service.store,
    authority: service.authority,
    name: o.name,
    profile: o.profile,
    subject: o.subject,
    altNames: o.sans === undefined ? info.altNames : altNamesFromText(o.sans),
    publicKey: info.publicKey,
    key: { none: true },
    lifetime: o.lifetime,
    now: o.now,
    source: 'csr',
    force: o.force,
  });
}

/**
 * `POST /v1/renew`: the holder of a certificate in force gets the same names and profile again,
 * for the same key, or for the key of a request it sends (a new key made where it lives).
 */
export async function renewFor(service: Service, ask: { holder: IndexEntry; csr?: Buffer | undefined; now: Date }): Promise<Issued> {
  const info = ask.csr && ask.csr.length > 0 ? readRequest(ask.csr, 'the request') : undefined;
  const old = openCertificate(await service.store.certificatePem(ask.holder), 'the certificate');
  const profile = await profileOf(service, ask.holder.profile);
  const subject = subjectOf(old.parsed.subject);
  return service.store.change(async (tx) => {
    const current = checkStillCurrent(tx, ask.holder);
    const prepared = prepareIssue({
      store: service.store,
      authority: service.authority,
      name: current.name,
      profile,
      subject: { commonName: subject.commonName, organization: subject.organization, country: subject.country },
      altNames: altNamesFromText(current.sans),
      publicKey: info ? info.publicKey : old.x509.publicKey,
      key: info ? { none: true } : current.hasKey ? { keep: true } : { none: true },
      now: ask.now,
      source: current.source,
      force: true,
      keepRequest: true,
    });
    return issueWithin(tx, prepared);
  });
}

function checkStillCurrent(tx: StoreTransaction, holder: IndexEntry): IndexEntry {
  const current = entryBySerial(tx.index, holder.serial);
  if (!current || current.status !== 'valid') throw unauthenticated(`the certificate ${holder.serial} is no longer in force`);
  return current;
}

export async function revokeFor(service: Service, ask: { serial: string; reason: string; now: Date }): Promise<RevokeResult> {
  return revokeIn(service.store, service.authority, { target: { serial: ask.serial }, reason: ask.reason, crlDays: DEFAULT_CRL_DAYS, now: ask.now });
}

/**
 * Every certificate and pending request (requests without their PEM): the archived certificates
 * first, read as they are sent, then those of the index as this change sees it.
 */
export async function listFor(service: Service): Promise<{ certificates: AsyncIterable<IndexEntry>; requests: Omit<PendingRequest, 'csr'>[] }> {
  const { recent, requests } = await service.store.change(async (tx) => ({
    recent: tx.index.certificates.map((e) => ({ ...e })),
    requests: tx.index.requests.map(({ csr: _csr, ...r }) => r),
  }));
  const archived = service.store.archivedEntries(recent);
  async function* certificates(): AsyncGenerator<IndexEntry> {
    yield* archived;
    yield* recent;
  }
  return { certificates: certificates(), requests };
}

/**
 * The current CRL, DER: the one on disk (so a `ca revoke` run beside the server is in it), made
 * afresh when there is none or when it is past half its life.
 */
export async function crlFor(service: Service, now: Date): Promise<Buffer> {
  const der = await service.store.readCrl();
  if (der && !stale(der, now)) return der;
  return (await service.store.change(async (tx) => writeCrl(service.store, tx, service.authority, now, DEFAULT_CRL_DAYS))).der;
}

function stale(der: Buffer, now: Date): boolean {
  try {
    return crlNextUpdate(der).getTime() - now.getTime() < (DEFAULT_CRL_DAYS / 2) * 86_400_000;
  } catch {
    return true;
  }
}

