/**
 * `ca renew NAME`: a new certificate with the same subject, SANs and profile and a new serial. The
 * key stays unless --new-key; a certificate signed from an outside CSR keeps its key (it is not
 * here to replace). The old entry stays in the index, marked superseded.
 */
import { X509Certificate } from 'node:crypto';
import { failure, usageError } from '../error.js';
import { encodePrivateKey, generateRsaKey, type KeyBits } from '../pki/key.js';
import { parseAltNames } from '../pki/san.js';
import { subjectFromAttributes } from '../pki/subject.js';
import { pki } from '../pki/forge.js';
import type { Lifetime } from '../pki/validity.js';
import { requireEntry } from '../store/index-file.js';
import { loadProfile } from '../store/profiles.js';
import { Store } from '../store/store.js';
import { openAuthority, type PassphraseSource } from './authority.js';
import { issueCertificate, type Issued } from './issue.js';

export interface RenewRequest {
  storeDir: string;
  name: string;
  newKey: boolean;
  keyBits?: KeyBits | undefined;
  /** encrypts the new key */
  passphrase?: string | undefined;
  lifetime?: Lifetime | undefined;
  caPassphrase?: PassphraseSource | undefined;
  now: Date;
}

export async function renewCertificate(req: RenewRequest): Promise<Issued & { newKey: boolean }> {
  const store = await Store.open(req.storeDir);
  if (req.name === 'ca') throw usageError('the CA is not renewed with `ca renew`', 'make a new CA with `ca init --force`');
  const entry = requireEntry(await store.readIndex(), req.name);
  if (entry.status === 'revoked') throw failure(`${req.name} is revoked`, `issue a new one: \`ca new-cert --force ${req.name}\``);
  if (req.newKey && entry.source === 'csr') {
    throw usageError(`${req.name} was signed from an outside request: its key is not here to replace`, 'sign a new request with `ca sign --csr FILE --force NAME`');
  }
  const pem = await store.read(store.cert(req.name));
  const old = new X509Certificate(pem);
  const forgeCert = pki.certificateFromPem(pem);
  const subject = subjectFromAttributes(forgeCert.subject.attributes);
  const profile = await loadProfile(entry.profile, store.dir);
  const authority = await openAuthority(store, req.caPassphrase);

  const key = req.newKey ? await generateRsaKey(req.keyBits ?? (old.publicKey.asymmetricKeyDetails?.modulusLength as KeyBits) ?? 2048) : undefined;
  const sans = entry.sans;
  const issued = await issueCertificate({
    store,
    authority,
    name: req.name,
    profile,
    subject: { commonName: subject.commonName, organization: subject.organization, country: subject.country },
    altNames: parseAltNames(
      sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)),
      sans.filter((s) => s.startsWith('IP:')).map((s) => s.slice(3)),
    ),
    publicKey: key ?? old.publicKey,
    lifetime: req.lifetime,
    now: req.now,
    source: entry.source,
    force: true,
    supersedes: entry.serial,
    files: key ? [{ ref: store.key(req.name), data: encodePrivateKey(key, req.passphrase) }] : [],
  });
  return { ...issued, newKey: Boolean(key) };
}
