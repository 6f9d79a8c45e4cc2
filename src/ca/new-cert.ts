/**
 * `ca new-cert`: a key and a certificate request in the store, waiting for `ca sign` (etcd-ca's
 * two-step workflow). The key is generated before the lock is taken, so slow key generation never
 * holds up other commands.
 */
import { buildRequest } from '../pki/csr.js';
import { encodePrivateKey, generateRsaKey, type KeyBits } from '../pki/key.js';
import { altNamesText, type AltNames } from '../pki/san.js';
import { subjectText, type Subject } from '../pki/subject.js';
import { Store } from '../store/store.js';
import { checkNameFree, issuingProfile } from './issue.js';

export interface NewCertRequest {
  storeDir: string;
  name: string;
  altNames: AltNames;
  commonName?: string | undefined;
  organization?: string | undefined;
  country?: string | undefined;
  keyBits: KeyBits;
  profile: string;
  passphrase?: string | undefined;
  force: boolean;
  now: Date;
}

export interface NewCertResult {
  name: string;
  keyPath: string;
  csrPath: string;
  profile: string;
  subject: string;
  sans: string[];
  encrypted: boolean;
}

/** SPEC: the CN defaults to the first domain, else the first IP, else the name. */
export function defaultCommonName(name: string, altNames: AltNames): string {
  return altNames.dns[0] ?? altNames.ips[0]?.text ?? name;
}

export async function createRequest(req: NewCertRequest): Promise<NewCertResult> {
  const store = await Store.open(req.storeDir);
  const { name } = req;
  const profile = await issuingProfile(req.profile, store.dir);
  checkNameFree(await store.readIndex(), name, req.force);

  const subject: Subject = {
    commonName: req.commonName ?? defaultCommonName(name, req.altNames),
    organization: req.organization,
    organizationalUnit: store.meta.clusterId,
    country: req.country,
  };
  const key = await generateRsaKey(req.keyBits);
  const csrPem = buildRequest({ subject, altNames: req.altNames, key });
  const keyPem = encodePrivateKey(key, req.passphrase);
  const sans = altNamesText(req.altNames);

  await store.change(async () => {
    const index = await store.readIndex();
    checkNameFree(index, name, req.force);
    await store.write(store.key(name), keyPem, { overwrite: true });
    await store.write(store.csr(name), csrPem, { overwrite: true });
    index.requests = index.requests.filter((r) => r.name !== name);
    index.requests.push({
      name,
      profile: profile.name,
      subject: subjectText(subject),
      sans,
      createdAt: req.now.toISOString(),
    });
    await store.writeIndex(index);
  });
  return {
    name,
    keyPath: store.key(name).path,
    csrPath: store.csr(name).path,
    profile: profile.name,
    subject: subjectText(subject),
    sans,
    encrypted: Boolean(req.passphrase),
  };
}
