/**
 * `ca renew NAME`: a new certificate with the same subject, SANs and profile and a new serial. The
 * key stays unless --new-key; a certificate signed from an outside CSR keeps its key (it is not
 * here to replace). The old certificate becomes superseded in the same change. `ca renew ca` is the
 * CA's own renewal (renew-ca.ts).
 */
import { failure, usageError } from '../error.js';
import { encodePrivateKey, generateKey } from '../pki/key.js';
import { specOfKey, type KeySpec } from '../pki/key-type.js';
import { altNamesFromText } from '../pki/san.js';
import { subjectOf } from '../pki/subject.js';
import type { Lifetime } from '../pki/validity.js';
import { openCertificate } from '../pki/x509.js';
import { pendingRequest, requireEntry } from '../store/index-file.js';
import { loadProfile } from '../store/profiles.js';
import { Store } from '../store/store.js';
import { openAuthority, type PassphraseSource } from './authority.js';
import { issueCertificate, type Issued } from './issue.js';

export interface RenewRequest {
  storeDir: string;
  name: string;
  newKey: boolean;
  /** with newKey: the new key's type (default: the old key's) */
  keySpec?: KeySpec | undefined;
  /** encrypts the new key */
  passphrase?: string | undefined;
  lifetime?: Lifetime | undefined;
  caPassphrase?: PassphraseSource | undefined;
  now: Date;
}

export async function renewCertificate(req: RenewRequest): Promise<Issued & { newKey: boolean }> {
  const store = await Store.open(req.storeDir);
  const index = await store.readIndex();
  const entry = requireEntry(index, req.name);
  if (entry.status === 'revoked') throw failure(`${req.name} is revoked`, `issue a new one: \`ca new-cert --force ${req.name}\``);
  if (req.newKey && !entry.hasKey) {
    throw usageError(`${req.name} was signed from an outside request: its key is not here to replace`, 'sign a new request with `ca sign --csr FILE --force NAME`');
  }
  const pem = await store.certificatePem(entry);
  const { x509, parsed } = openCertificate(pem, `certificate ${req.name}`);
  const subject = subjectOf(parsed.subject);
  const profile = await loadProfile(entry.profile, store.dir);
  const authority = await openAuthority(store, req.caPassphrase, { now: req.now });

  const spec = req.keySpec ?? specOfKey(x509.publicKey);
  if (req.newKey && !spec) throw failure(`the key of ${req.name} is of a type this CA no longer makes`, 'give --key-type');
  const key = req.newKey ? await generateKey(spec!) : undefined;
  const issued = await issueCertificate({
    store,
    authority,
    name: req.name,
    profile,
    subject: { commonName: subject.commonName, organization: subject.organization, country: subject.country },
    altNames: altNamesFromText(entry.sans),
    publicKey: key ?? x509.publicKey,
    key: key ? { pem: encodePrivateKey(key, req.passphrase) } : entry.hasKey ? { keep: true } : { none: true },
    lifetime: req.lifetime,
    now: req.now,
    source: entry.source,
    force: true,
    keepRequest: true,
  });
  const pending = pendingRequest(index, req.name);
  if (pending) {
    issued.warnings.push(`a newer request for ${req.name} is still pending: \`ca sign ${req.name}\` issues it (with its new key and names)`);
  }
  return { ...issued, newKey: Boolean(key) };
}
