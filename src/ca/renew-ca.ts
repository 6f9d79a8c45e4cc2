/**
 * `ca renew ca`: the CA certificate again, with the same key and subject, a new serial and a new
 * validity (SPEC "Certificate identity"). Everything the CA issued names it by subject and key
 * identifier and is signed by its key, so it keeps verifying against the new ca.crt and against
 * the old one until that expires: a cluster survives its CA's tenth birthday by replacing one file.
 */
import { failure, usageError } from '../error.js';
import { buildCertificate } from '../pki/certificate.js';
import { noAltNames } from '../pki/san.js';
import { randomSerial } from '../pki/serial.js';
import { computeValidity, lifetimeEnd, type Lifetime } from '../pki/validity.js';
import { loadProfile } from '../store/profiles.js';
import { Store } from '../store/store.js';
import { openAuthority, type PassphraseSource } from './authority.js';
import { indexEntry, type Issued } from './issue.js';

const DAY_MS = 86_400_000;

export interface RenewCaRequest {
  storeDir: string;
  lifetime?: Lifetime | undefined;
  caPassphrase?: PassphraseSource | undefined;
  now: Date;
}

export async function renewCa(req: RenewCaRequest): Promise<Issued> {
  const store = await Store.open(req.storeDir);
  const authority = await openAuthority(store, req.caPassphrase, { now: req.now, allowExpired: true });
  const old = authority.certificate;
  if (!old.issuerDer.equals(old.subjectDer)) {
    throw failure("this store's CA was issued by another CA", 'renew it from the parent store, which signs it');
  }
  // "The configured years": what init was given, or, for older stores, the first certificate's span.
  const configured: Lifetime = store.meta.caLifetime ?? { days: Math.round((old.notAfter.getTime() - old.notBefore.getTime()) / DAY_MS) };
  const lifetime = req.lifetime ?? configured;
  if (lifetimeEnd(req.now, lifetime).getTime() > lifetimeEnd(req.now, configured).getTime() + DAY_MS) {
    throw usageError(`the CA is configured for ${describe(configured)}; a renewal cannot ask for more`, 'ask for less, or leave --days/--years out');
  }
  const profile = await loadProfile('ca');
  return store.change(async (tx) => {
    const pem = buildCertificate({
      subject: authority.subject,
      subjectName: old.subjectDer,
      publicKey: authority.key,
      serial: randomSerial(new Set(tx.index.certificates.map((e) => e.serial))),
      validity: computeValidity(req.now, lifetime),
      profile,
      altNames: noAltNames(),
      selfKey: authority.key,
      pathLength: old.pathLength ?? undefined,
    });
    const entry = indexEntry({ name: 'ca', profile: 'ca', pem, source: 'renew', hasKey: true });
    tx.issue({ entry, certPem: pem, keepKey: true });
    return { name: 'ca', pem, entry, path: store.caCert.path, warnings: [] };
  });
}

function describe(l: Lifetime): string {
  return 'years' in l ? `${l.years} years` : `${l.days} days`;
}
