/**
 * The use cases of `ca serve`, over a store and a CA opened once (the CA passphrase is read once at
 * start): signing a request for an administrator or against an enrollment token, renewing a
 * certificate for its holder, revoking, listing, and the CA chain and CRL. Every rule on what a
 * certificate may contain is the same code the command line runs (issue.ts, csr.ts), so the CLI and
 * the API cannot disagree.
 */
import { X509Certificate } from 'node:crypto';
import { failure, unauthenticated, usageError } from '../error.js';
import { crlNextUpdate } from '../pki/crl.js';
import { readRequest, type RequestInfo } from '../pki/csr.js';
import type { Profile } from '../pki/profile.js';
import { encodePrivateKey } from '../pki/key.js';
import { generateKey } from '../pki/key-generation.js';
import { leafSpecFor } from '../store/meta.js';
import { altNamesFromText, altNamesText, type AltNames } from '../pki/san.js';
import { subjectOf } from '../pki/subject.js';
import type { Lifetime } from '../pki/validity.js';
import { openCertificate } from '../pki/x509.js';
import { entryBySerial, type IndexEntry, type PendingRequest } from '../store/index-file.js';
import { openStore, type CaStore, type StoreTransaction } from '../store/store.js';
import { openAuthority, type Authority, type PassphraseSource } from './authority.js';
import { rootOf } from './chain.js';
import { issueCertificate, issuingProfile, issueWithin, prepareIssue, type Issued } from './issue.js';
import { DEFAULT_CRL_DAYS, revokeIn, writeCrl, type RevokeResult } from './revoke.js';
import { nameFromCommonName } from './sign.js';
import { redeemToken } from './token.js';

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
    subject: { commonName: altNames.dns[0] ?? altNames.ips[0]?.text ?? 'ca-server' },
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
  const info = readRequest(ask.csr, 'the request');
  const lifetime: Lifetime | undefined = ask.days === undefined ? undefined : { days: ask.days };
  const credential = ask.credential;
  if (credential.kind === 'admin') {
    const profile = await profileOf(service, ask.profile ?? 'peer');
    const name = ask.name ?? nameFromCommonName(info.subject.commonName);
    return service.store.change(async (tx) => issueWithin(tx, prepare(service, info, { profile, name, sans: undefined, lifetime, force: ask.force === true, now: ask.now })));
  }
  if (credential.kind !== 'token') throw failure('only an administrator or an enrollment token may ask for a certificate');
  // The token is checked and counted in the very change that issues, so a single-use token serves once.
  const askedSans = altNamesText(info.altNames);
  return service.store.change(async (tx) => {
    const allowed = redeemToken(tx, credential.token, { profile: ask.profile, name: ask.name, sans: askedSans }, ask.now);
    const profile = await profileOf(service, allowed.profile);
    if (lifetime && lifetime.days > profile.days) throw usageError(`a token's certificate lasts at most the profile's ${profile.days} days`);
    const name = allowed.name ?? ask.name ?? nameFromCommonName(info.subject.commonName);
    // A token that names its certificate may replace an earlier one of that name (a node enrolled again).
    return issueWithin(tx, prepare(service, info, { profile, name, sans: allowed.sans, lifetime, force: allowed.name !== null, now: ask.now }));
  });
}

function prepare(service: Service, info: RequestInfo, o: { profile: Profile; name: string; sans: string[] | undefined; lifetime: Lifetime | undefined; force: boolean; now: Date }) {
  return prepareIssue({
    store: service.store,
    authority: service.authority,
    name: o.name,
    profile: o.profile,
    subject: { commonName: info.subject.commonName || o.name, organization: info.subject.organization },
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

/** Every certificate and pending request (requests without their PEM). */
export async function listFor(service: Service): Promise<{ certificates: IndexEntry[]; requests: Omit<PendingRequest, 'csr'>[] }> {
  return service.store.change(async (tx) => ({
    certificates: tx.index.certificates.map((e) => ({ ...e })),
    requests: tx.index.requests.map(({ csr: _csr, ...r }) => r),
  }));
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

