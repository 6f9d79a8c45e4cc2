/**
 * `ca renew NAME`: a new certificate with the same subject, SANs and profile and a new serial. The
 * key stays unless --new-key; a certificate signed from an outside CSR keeps its key (it is not
 * here to replace). The old certificate becomes superseded in the same change. `ca renew ca` is the
 * CA's own renewal (renew-ca.ts).
 */
import { failure, usageError } from '../error.js';
import { encodePrivateKey } from '../pki/key.js';
import { generateKey } from '../pki/key-generation.js';
import { resolveKeySpec, specOfKey, type KeyChoice, type KeySpec } from '../pki/key-type.js';
import { altNamesFromText } from '../pki/san.js';
import { subjectOf } from '../pki/subject.js';
import type { Lifetime } from '../pki/validity.js';
import { openCertificate } from '../pki/x509.js';
import { pendingRequest, requireEntry } from '../store/index-file.js';
import { openStore } from '../store/store.js';
import { openAuthority, type PassphraseSource } from './authority.js';
import { issueCertificate, type Issued } from './issue.js';

export interface RenewRequest {
  storeDir: string;
  name: string;
  newKey: boolean;
  /** with newKey: the new key's type, as the flags chose it (default: the old key's) */
  keyChoice?: KeyChoice | undefined;
  /** encrypts the new key */
  passphrase?: string | undefined;
  lifetime?: Lifetime | undefined;
  caPassphrase?: PassphraseSource | undefined;
  now: Date;
}

export async function renewCertificate(req: RenewRequest): Promise<Issued & { newKey: boolean }> {
  const store = await openStore(req.storeDir);
  const index = await store.readIndex();
  const entry = requireEntry(index, req.name);
  if (entry.status === 'revoked') throw failure(`${req.name} is revoked`, `issue a new one: \`ca new-cert --force ${req.name}\``);
  if (req.newKey && !entry.hasKey) {
    throw usageError(`${req.name} was signed from an outside request: its key is not here to replace`, 'sign a new request with `ca sign --csr FILE --force NAME`');
  }
  const pem = await store.certificatePem(entry);
  const { x509, parsed } = openCertificate(pem, `certificate ${req.name}`);
  const subject = subjectOf(parsed.subject);
  const profile = await store.loadProfile(entry.profile);
  const authority = await openAuthority(store, req.caPassphrase, { now: req.now });

  const key = req.newKey ? await generateKey(newKeySpec(req.keyChoice ?? {}, specOfKey(x509.publicKey))) : undefined;
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

/** A new key like the old one unless the flags say otherwise (an old RSA size outside 2048-4096 becomes 2048). */
function newKeySpec(choice: KeyChoice, old: KeySpec | undefined): KeySpec {
  const defaults: KeyChoice | undefined = old && { type: old.type, curve: old.type === 'ecdsa' ? old.curve : undefined };
  return resolveKeySpec(choice, defaults, old?.type === 'rsa' ? old.bits : 2048);
}
