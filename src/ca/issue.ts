/**
 * The one place a certificate is signed and recorded. Every issuing command (sign, sign --csr, the
 * one-step commands) comes through here, so serial uniqueness, validity clamping, the cluster id in
 * OU, the warnings and the order of writes are the same for all of them.
 */
import type { KeyObject } from 'node:crypto';
import { alreadyExists, usageError } from '../error.js';
import { loadProfile } from '../store/profiles.js';
import { buildCertificate, summarizeCertificate } from '../pki/certificate.js';
import { hasServerAuth, type Profile } from '../pki/profile.js';
import type { AltNames } from '../pki/san.js';
import { randomSerial } from '../pki/serial.js';
import { subjectText, type Subject } from '../pki/subject.js';
import { computeValidity, lifetimeDays, type Lifetime, type Validity } from '../pki/validity.js';
import type { FileRef } from '../store/file.js';
import type { Index, IndexEntry } from '../store/index-file.js';
import type { Store } from '../store/store.js';
import type { Authority } from './authority.js';

/** A profile to issue with: any but the CA's own. */
export async function issuingProfile(name: string, storeDir: string): Promise<Profile> {
  const profile = await loadProfile(name, storeDir);
  if (profile.isCa) throw usageError(`the profile "${profile.name}" is the CA's own`, 'use server, client or peer');
  return profile;
}

/** Apple's limit for TLS server certificates issued after 2020-09-01 (support.apple.com/HT211025). */
export const APPLE_MAX_SERVER_DAYS = 825;

export interface IssueParams {
  store: Store;
  authority: Authority;
  name: string;
  profile: Profile;
  /** CN, O, C: OU is always the cluster id */
  subject: Subject;
  altNames: AltNames;
  publicKey: KeyObject;
  lifetime?: Lifetime | undefined;
  now: Date;
  source: string;
  /** replace a certificate or request of the same name */
  force: boolean;
  /** other files written in the same change, before the index (a new key, a request) */
  files?: { ref: FileRef; data: string }[];
  /** a pending request of this name is what is being signed, not a conflict */
  signsPending?: boolean;
  /** the serial of the certificate this one replaces (`ca renew`): marked superseded */
  supersedes?: string | undefined;
}

export interface Issued {
  name: string;
  pem: string;
  entry: IndexEntry;
  path: string;
  warnings: string[];
}

export async function issueCertificate(p: IssueParams): Promise<Issued> {
  const lifetime = p.lifetime ?? { days: p.profile.days };
  const validity = computeValidity(p.now, lifetime, p.authority.notAfter);
  // A profile may fix the CN and add DNS names (flocker-ca's control-service).
  const subject: Subject = {
    ...p.subject,
    commonName: p.profile.commonName ?? p.subject.commonName,
    organizationalUnit: p.store.meta.clusterId,
  };
  const altNames = withProfileNames(p.altNames, p.profile);
  const warnings = issueWarnings({ ...p, altNames }, validity);
  const certRef = p.store.cert(p.name);

  return p.store.change(async () => {
    const index = await p.store.readIndex();
    checkNameFree(index, p.name, p.force, p.signsPending === true);
    const taken = new Set(index.certificates.map((e) => e.serial));
    const pem = buildCertificate({
      subject,
      publicKey: p.publicKey,
      serial: randomSerial(taken),
      validity,
      profile: p.profile,
      altNames,
      issuer: { certificatePem: p.authority.certPem, key: p.authority.key },
    });
    // Files first, the index last: a crash in between leaves files the index does not name, which
    // the next issuance of that name replaces, and never an index entry without its certificate.
    for (const f of p.files ?? []) await p.store.write(f.ref, f.data, { overwrite: true });
    await p.store.write(certRef, pem, { overwrite: true });
    const entry = indexEntry(p.name, p.profile.name, pem, certRef.path, p.source);
    const replaced = index.certificates.find((e) => e.serial === p.supersedes && e.status === 'valid');
    if (replaced) replaced.status = 'superseded';
    index.certificates.push(entry);
    index.requests = index.requests.filter((r) => r.name !== p.name);
    await p.store.writeIndex(index);
    return { name: p.name, pem, entry, path: certRef.path, warnings };
  });
}

function withProfileNames(altNames: AltNames, profile: Profile): AltNames {
  if (!profile.dnsNames?.length) return altNames;
  return { ...altNames, dns: [...new Set([...profile.dnsNames, ...altNames.dns])] };
}

/** A name is taken by an issued certificate or a pending request; only --force takes it again. */
export function checkNameFree(index: Index, name: string, force: boolean, signsPending = false): void {
  // Signing a pending request: new-cert already checked the name (or was given --force).
  if (force || signsPending) return;
  if (index.requests.some((r) => r.name === name)) {
    throw alreadyExists(`a request named ${name} already exists`, `sign it with \`ca sign ${name}\`, or pass --force to replace it`);
  }
  if (index.certificates.some((e) => e.name === name)) {
    throw alreadyExists(`a certificate named ${name} already exists`, 'choose another name, or pass --force to issue a new one under it');
  }
}

export function indexEntry(name: string, profile: string, pem: string, path: string, source: string): IndexEntry {
  const s = summarizeCertificate(pem, path);
  return {
    name,
    serial: s.serial,
    profile,
    subject: subjectText(s.subject),
    sans: s.sans,
    notBefore: s.notBefore.toISOString(),
    notAfter: s.notAfter.toISOString(),
    fingerprint: s.fingerprint,
    status: 'valid',
    revokedAt: null,
    source,
  };
}

function issueWarnings(p: IssueParams, validity: Validity): string[] {
  const warnings: string[] = [];
  if (validity.clamped) {
    warnings.push(
      `${p.name} would outlive the CA; its validity is cut to the CA's end, ${validity.notAfter.toISOString()}`,
    );
  }
  if (hasServerAuth(p.profile)) {
    if (p.altNames.dns.length === 0 && p.altNames.ips.length === 0) {
      warnings.push(
        `${p.name} can serve TLS (serverAuth) but names no IP or DNS name (SAN): Go, Chrome and macOS reject such a server certificate; add --ip or --domain`,
      );
    }
    if (lifetimeDays(validity) > APPLE_MAX_SERVER_DAYS) {
      warnings.push(`${p.name} is valid for more than ${APPLE_MAX_SERVER_DAYS} days: Apple platforms reject such server certificates`);
    }
  }
  return warnings;
}
