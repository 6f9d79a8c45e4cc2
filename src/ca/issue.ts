/**
 * The one place a certificate is signed and recorded. Every issuing command (sign, sign --csr, the
 * one-step commands, renew) comes through here, so serial uniqueness, validity clamping, the cluster
 * id in OU, the checks on what the certificate names, the warnings and the identity rules (SPEC
 * "Certificate identity") are the same for all of them.
 */
import type { KeyObject } from 'node:crypto';
import { alreadyExists, failure, usageError } from '../error.js';
import { buildCertificate } from '../pki/certificate.js';
import { NO_HOST, describeConstraints, outsideConstraints, type NameConstraints } from '../pki/constraints.js';
import { kindOfKey } from '../pki/key-type.js';
import { nameFromCommonName } from '../pki/name.js';
import { hasServerAuth, type Profile } from '../pki/profile.js';
import type { AltNames } from '../pki/san.js';
import { randomSerial } from '../pki/serial.js';
import { checkCommonNameLength, sameSubject, subjectText, type Subject } from '../pki/subject.js';
import { computeValidity, lifetimeDays, type Lifetime, type Validity } from '../pki/validity.js';
import { parseCertificate, pemToDer, summarizeCertificate, summarizeParsed } from '../pki/x509.js';
import { currentEntry, pendingRequest, type Index, type IndexEntry, type PendingRequest, type Source } from '../store/index-file.js';
import type { CaStore, StoreTransaction } from '../store/store.js';
import type { Authority } from './authority.js';
import { intermediatesOf } from './chain.js';

/** A profile to issue with: any but a CA's. */
export async function issuingProfile(name: string, store: CaStore): Promise<Profile> {
  const profile = await store.loadProfile(name);
  if (profile.isCa) throw usageError(`the profile "${profile.name}" is a CA's`, 'use server, client or peer');
  return profile;
}

/** Apple's limit for TLS server certificates issued after 2020-09-01 (support.apple.com/HT211025). */
export const APPLE_MAX_SERVER_DAYS = 825;

/** Where the certificate's private key is, once issued. */
export type KeyHolding =
  /** made here for this certificate, encoded as it is to be stored */
  | { pem: string }
  /** the key of the pending request being signed */
  | { request: PendingRequest }
  /** already in keys/NAME.key (renewal with the same key) */
  | { keep: true }
  /** elsewhere (an outside request): the store holds no key for it */
  | { none: true };

/**
 * A name the store makes when the caller gave none (SPEC "Third wave": an administrator's sign
 * without a name): from the certificate's CN and the first 8 hex digits of its serial, so every
 * such request gets a certificate of its own.
 */
export interface NameFromCommonName {
  fromCommonName: string;
}

export interface IssueParams {
  store: CaStore;
  authority: Authority;
  name: string | NameFromCommonName;
  profile: Profile;
  /** CN, O, C: OU is always the cluster id */
  subject: Subject;
  altNames: AltNames;
  publicKey: KeyObject;
  key: KeyHolding;
  lifetime?: Lifetime | undefined;
  now: Date;
  source: Source;
  /** replace a certificate or request of the same name */
  force: boolean;
  /** a pending request of this name stays pending (renewal of the certificate in force) */
  keepRequest?: boolean;
  /** an outside request, kept beside the certificate signed from it */
  requestCopy?: string | undefined;
}

export interface Issued {
  name: string;
  pem: string;
  /** the certificate followed by the intermediates above it: what a TLS server presents */
  chainPem: string;
  entry: IndexEntry;
  path: string;
  warnings: string[];
}

export async function issueCertificate(p: IssueParams): Promise<Issued> {
  const prepared = prepareIssue(p);
  return p.store.change(async (tx) => issueWithin(tx, prepared));
}

interface Prepared {
  p: IssueParams;
  subject: Subject;
  altNames: AltNames;
  validity: Validity;
}

/** Every check that needs no index: the subject, the names, the lifetime (before the lock is taken). */
export function prepareIssue(p: IssueParams): Prepared {
  const lifetime = p.lifetime ?? { days: p.profile.days };
  const validity = computeValidity(p.now, lifetime, p.authority.notAfter);
  // A profile may fix the CN and add DNS names (flocker-ca's control-service).
  const subject: Subject = {
    ...p.subject,
    commonName: p.profile.commonName ?? p.subject.commonName,
    organizationalUnit: p.store.meta.clusterId,
  };
  checkCommonNameLength(subject.commonName);
  checkNotCaSubject(subject, p.authority.subject);
  const altNames = withProfileNames(p.altNames, p.profile);
  checkConstraints(p.authority.constraints, altNames, subject.commonName);
  return { p, subject, altNames, validity };
}

/** Within a change: the name checked against the index, the certificate signed and recorded. */
export function issueWithin(tx: StoreTransaction, prepared: Prepared): Issued {
  const { p, subject, altNames, validity } = prepared;
  const { serial, name } = serialAndName(tx, p);
  if ('request' in p.key) checkStillPending(tx.index, name, p.key.request);
  else checkNameFree(tx.index, name, p.force);
  const pem = buildCertificate({
    subject,
    publicKey: p.publicKey,
    serial,
    validity,
    profile: p.profile,
    altNames,
    issuer: { certificate: p.authority.certificate, key: p.authority.key },
    crlUrl: p.store.meta.crlUrl,
  });
  const entry = indexEntry({ name, profile: p.profile.name, pem, source: p.source, hasKey: !('none' in p.key) }, p.publicKey);
  tx.issue({
    entry,
    certPem: pem,
    keyPem: 'pem' in p.key ? p.key.pem : undefined,
    request: 'request' in p.key ? p.key.request : undefined,
    keepKey: 'keep' in p.key,
    keepRequest: p.keepRequest,
  });
  if (p.requestCopy) tx.keepRequestCopy(name, p.requestCopy);
  const chainPem = [pem, ...intermediatesOf(p.authority.chain)].join('');
  const warnings = issueWarnings({ ...p, altNames }, name, validity);
  return { name, pem, chainPem, entry, path: p.store.describe({ certificate: name }), warnings };
}

/** A fresh serial, and the name: the one given, or one made from the CN and that serial (free in the index). */
function serialAndName(tx: StoreTransaction, p: IssueParams): { serial: string; name: string } {
  const given = p.name;
  if (typeof given === 'string') return { serial: randomSerial((s) => tx.serialTaken(s)), name: given };
  const nameOf = (serial: string) => nameFromCommonName(given.fromCommonName, serial);
  const serial = randomSerial((s) => tx.serialTaken(s) || currentEntry(tx.index, nameOf(s)) !== undefined || pendingRequest(tx.index, nameOf(s)) !== undefined);
  return { serial, name: nameOf(serial) };
}

/**
 * RFC 5280 6.1: a certificate whose subject is its issuer's reads as self-issued, and path building
 * takes it for the CA (SPEC: a subject equal to the CA's own is refused).
 */
export function checkNotCaSubject(subject: Subject, caSubject: Subject): void {
  if (sameSubject(subject, caSubject)) {
    throw usageError(`the subject ${subjectText(subject)} is the CA's own`, 'give the certificate another common name');
  }
}

/** SPEC: `ca` refuses to issue a certificate naming anything outside its name constraints. */
export function checkConstraints(constraints: NameConstraints[], names: AltNames, commonName: string): void {
  for (const c of constraints) {
    const outside = outsideConstraints(c, names, commonName);
    if (outside) {
      const room = c.dns.length ? `within ${c.dns.join(', ')}` : `under .${NO_HOST} (RFC 6761: a name that is no host)`;
      const hint = outside.startsWith('CN=')
        ? `without a DNS SAN, verifiers hold the CN to the constraints: add a --domain ${room}, or give --common-name within it`
        : `this CA may certify only ${describeConstraints(c)}`;
      throw usageError(`${outside} is outside the names this CA may certify`, hint);
    }
  }
}

function withProfileNames(altNames: AltNames, profile: Profile): AltNames {
  if (!profile.dnsNames?.length) return altNames;
  return { ...altNames, dns: [...new Set([...profile.dnsNames, ...altNames.dns])] };
}

/**
 * Of several `ca sign NAME` at once, exactly one issues (SPEC): checked under the lock, against the
 * request the signer read, so a request replaced in between is not signed either.
 */
function checkStillPending(index: Index, name: string, request: PendingRequest): void {
  const pending = pendingRequest(index, name);
  if (pending?.id === request.id) return;
  if (pending) throw failure(`the request ${name} was replaced while it was being signed`, `sign the new one: \`ca sign ${name}\``);
  throw failure(`${name} is already signed`, `to issue it again, run \`ca new-cert --force ${name}\` then \`ca sign ${name}\``);
}

/** A name is taken by an issued certificate or a pending request; only --force takes it again. */
export function checkNameFree(index: Index, name: string, force: boolean): void {
  if (force) return;
  if (pendingRequest(index, name)) {
    throw alreadyExists(`a request named ${name} already exists`, `sign it with \`ca sign ${name}\`, or pass --force to replace it`);
  }
  if (currentEntry(index, name)) {
    throw alreadyExists(`a certificate named ${name} already exists`, 'choose another name, or pass --force to issue a new one under it');
  }
}

export function indexEntry(p: { name: string; profile: string; pem: string; source: Source; hasKey: boolean }, publicKey?: KeyObject): IndexEntry {
  // What was just built is read back from its DER; OpenSSL reads it only when it came from elsewhere.
  const label = publicKey && kindOfKey(publicKey)?.label;
  const s = label ? summarizeParsed(parseCertificate(pemToDer(p.pem)), label) : summarizeCertificate(p.pem, `certificate ${p.name}`);
  return {
    name: p.name,
    serial: s.serial,
    profile: p.profile,
    subject: subjectText(s.subject),
    sans: s.sans,
    notBefore: s.notBefore.toISOString(),
    notAfter: s.notAfter.toISOString(),
    fingerprint: s.fingerprint,
    publicKey: s.publicKey,
    keyType: s.keyType,
    status: 'valid',
    revokedAt: null,
    source: p.source,
    hasKey: p.hasKey,
  };
}

function issueWarnings(p: IssueParams, name: string, validity: Validity): string[] {
  const warnings: string[] = [];
  if (validity.clamped) {
    warnings.push(`${name} would outlive the CA; its validity is cut to the CA's end, ${validity.notAfter.toISOString()}`);
  }
  if (hasServerAuth(p.profile)) {
    if (p.altNames.dns.length === 0 && p.altNames.ips.length === 0) {
      warnings.push(
        `${name} can serve TLS (serverAuth) but names no IP or DNS name (SAN): Go, Chrome and macOS reject such a server certificate; add --ip or --domain`,
      );
    }
    if (lifetimeDays(validity) > APPLE_MAX_SERVER_DAYS) {
      warnings.push(`${name} is valid for more than ${APPLE_MAX_SERVER_DAYS} days: Apple platforms reject such server certificates`);
    }
  }
  if (kindOfKey(p.publicKey)?.type === 'ed25519') {
    warnings.push(`${name} has an Ed25519 key: macOS, iOS and browsers do not accept it (Go, OpenSSL and Java 15+ do)`);
  }
  return warnings;
}

