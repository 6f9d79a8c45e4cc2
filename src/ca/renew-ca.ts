/**
 * `ca renew ca`: the CA certificate again, with the same key, subject and extensions (path length,
 * name constraints), a new serial and a new validity (SPEC "Certificate identity"). Everything the
 * CA issued names it by subject and key identifier and is signed by its key, so it keeps verifying
 * against the new ca.crt and against the old one until that expires: a cluster survives its CA's
 * tenth birthday by replacing one file. An intermediate CA is renewed by its parent (`--parent`),
 * which records the new certificate too.
 */
import { X509Certificate } from 'node:crypto';
import { usageError } from '../error.js';
import { buildCertificate } from '../pki/certificate.js';
import { noAltNames } from '../pki/san.js';
import { randomSerial } from '../pki/serial.js';
import { subjectOf } from '../pki/subject.js';
import { computeValidity, lifetimeEnd, type Lifetime } from '../pki/validity.js';
import { openCertificate } from '../pki/x509.js';
import { entryBySerial } from '../store/index-file.js';
import { loadProfile } from '../store/profiles.js';
import { openStore, type CaStore } from '../store/store.js';
import type { StoreTransaction as Transaction } from '../store/store.js';
import { openAuthority, type PassphraseSource } from './authority.js';
import { indexEntry, type Issued } from './issue.js';

const DAY_MS = 86_400_000;
export const PARENT_PASSPHRASE_SOURCES = '--parent-passphrase, --parent-passphrase-file or CA_PARENT_PASSPHRASE';

export interface RenewCaRequest {
  storeDir: string;
  lifetime?: Lifetime | undefined;
  caPassphrase?: PassphraseSource | undefined;
  /** the store whose CA signed this one, for an intermediate */
  parent?: { dir: string; passphrase?: PassphraseSource | undefined } | undefined;
  now: Date;
}

export async function renewCa(req: RenewCaRequest): Promise<Issued> {
  const store = await openStore(req.storeDir);
  const { x509, parsed: old } = openCertificate(await store.readCaCertificate(), store.describe('ca certificate'));
  const selfSigned = old.issuerDer.equals(old.subjectDer);
  if (!selfSigned && !req.parent) {
    throw usageError("this store's CA is an intermediate: its parent signs it", 'give --parent DIR, the store whose CA signed it');
  }
  if (selfSigned && req.parent) throw usageError("this store's CA is a root: it renews itself", 'leave --parent out');
  // "The configured years": what init was given, or, for older stores, the first certificate's span.
  const configured: Lifetime = store.meta.caLifetime ?? { days: Math.round((old.notAfter.getTime() - old.notBefore.getTime()) / DAY_MS) };
  const lifetime = req.lifetime ?? configured;
  if (lifetimeEnd(req.now, lifetime).getTime() > lifetimeEnd(req.now, configured).getTime() + DAY_MS) {
    throw usageError(`the CA is configured for ${describe(configured)}; a renewal cannot ask for more`, 'ask for less, or leave --days/--years out');
  }
  const same = { subject: subjectOf(old.subject), subjectName: old.subjectDer, publicKey: x509.publicKey, pathLength: old.pathLength ?? undefined, nameConstraints: old.nameConstraints };
  if (selfSigned) {
    const own = await openAuthority(store, req.caPassphrase, { now: req.now, allowExpired: true });
    const profile = await loadProfile('ca');
    return store.change(async (tx) => {
      const pem = buildCertificate({ ...same, serial: serialFor(tx), validity: computeValidity(req.now, lifetime), profile, altNames: noAltNames(), selfKey: own.key });
      return recordOwn(store, tx, pem, 'ca', []);
    });
  }
  // An intermediate: its parent signs the same subject and key again, and records it.
  const parentStore = await openStore(req.parent!.dir);
  const parent = await openAuthority(parentStore, req.parent!.passphrase, { now: req.now, sources: PARENT_PASSPHRASE_SOURCES });
  if (!x509.checkIssued(new X509Certificate(parent.certPem))) {
    throw usageError(`the CA of ${req.parent!.dir} did not sign this store's CA`, 'give --parent the store it was made from with `ca init --parent`');
  }
  const profile = await parentStore.loadProfile('intermediate');
  const validity = computeValidity(req.now, lifetime, parent.notAfter);
  const pem = await parentStore.change(async (tx) => {
    const made = buildCertificate({
      ...same,
      serial: serialFor(tx),
      validity,
      profile,
      altNames: noAltNames(),
      issuer: { certificate: parent.certificate, key: parent.key },
      crlUrl: parentStore.meta.crlUrl,
    });
    const name = entryBySerial(tx.index, old.serial)?.name ?? store.meta.name;
    tx.issue({ entry: indexEntry({ name, profile: 'intermediate', pem: made, source: 'renew', hasKey: false }), certPem: made });
    return made;
  });
  const warnings = validity.clamped ? [`the CA's validity is cut to its parent's end, ${validity.notAfter.toISOString()}`] : [];
  return store.change(async (tx) => {
    // The parent may have been renewed since: what is above this CA is taken afresh.
    tx.setChain([parent.chain.ca, ...parent.chain.above].join(''));
    return recordOwn(store, tx, pem, 'intermediate', warnings);
  });
}

function serialFor(tx: Transaction): string {
  return randomSerial((s) => tx.serialTaken(s));
}

function recordOwn(store: CaStore, tx: Transaction, pem: string, profile: string, warnings: string[]): Issued {
  const entry = indexEntry({ name: 'ca', profile, pem, source: 'renew', hasKey: true });
  tx.issue({ entry, certPem: pem, keepKey: true, caItself: true });
  return { name: 'ca', pem, chainPem: pem, entry, path: store.describe('ca certificate'), warnings };
}

function describe(l: Lifetime): string {
  return 'years' in l ? `${l.years} years` : `${l.days} days`;
}
