/**
 * `ca new-cert`: a key and a certificate request in the store, waiting for `ca sign` (etcd-ca's
 * two-step workflow). The key is generated before the lock is taken, so slow key generation never
 * holds up other commands. It is kept apart, under keys/pending/, until its request is signed: the
 * key in keys/NAME.key stays the one of NAME's certificate in force (SPEC "Certificate identity").
 */
import { buildRequest } from '../pki/csr.js';
import { encodePrivateKey } from '../pki/key.js';
import type { KeySpec } from '../pki/key-type.js';
import { altNamesText, type AltNames } from '../pki/san.js';
import { UPPER_BOUND, subjectOf, subjectText, type Subject } from '../pki/subject.js';
import { parseCertificate } from '../pki/x509.js';
import { currentEntry } from '../store/index-file.js';
import { openStore } from '../store/store.js';
import { constraintsOf, readChain } from './chain.js';
import { checkConstraints, checkNameFree, checkNotCaSubject, issuingProfile } from './issue.js';
import { newLeafKey } from './leaf-key.js';

export interface NewCertRequest {
  storeDir: string;
  name: string;
  altNames: AltNames;
  commonName?: string | undefined;
  organization?: string | undefined;
  country?: string | undefined;
  keySpec: KeySpec;
  profile: string;
  passphrase?: string | undefined;
  force: boolean;
  now: Date;
}

export interface NewCertResult {
  name: string;
  csrPath: string;
  profile: string;
  subject: string;
  sans: string[];
  encrypted: boolean;
  /** a certificate of this name is in force: it stays so, with its key, until the request is signed */
  replacesSigned: boolean;
}

/**
 * SPEC: the CN defaults to the first domain, else the first IP, else the name. A domain may have
 * 253 characters, a CN 64 (RFC 5280 ub-common-name): the first domain that fits is taken, so the CN
 * stays one of the SANs (CA/B BR 7.1.4.3); if none fits, the first IP, else the name (at most 64).
 */
export function defaultCommonName(name: string, altNames: AltNames): string {
  return altNames.dns.find((d) => d.length <= UPPER_BOUND) ?? altNames.ips[0]?.text ?? name;
}

export async function createRequest(req: NewCertRequest): Promise<NewCertResult> {
  const store = await openStore(req.storeDir);
  const { name } = req;
  const profile = await issuingProfile(req.profile, store);
  checkNameFree(await store.readIndex(), name, req.force);

  const subject: Subject = {
    commonName: req.commonName ?? defaultCommonName(name, req.altNames),
    organization: req.organization,
    organizationalUnit: store.meta.clusterId,
    country: req.country,
  };
  const chain = await readChain(store);
  checkNotCaSubject(subject, subjectOf(parseCertificate(chain.ca).subject));
  checkConstraints(constraintsOf(chain, store.describe('chain')), req.altNames, subject.commonName);
  const key = await newLeafKey(req.keySpec);
  const csr = buildRequest({ subject, altNames: req.altNames, key });
  const sans = altNamesText(req.altNames);

  const replacesSigned = await store.change(async (tx) => {
    checkNameFree(tx.index, name, req.force);
    tx.addRequest({ name, profile: profile.name, subject: subjectText(subject), sans, createdAt: req.now.toISOString(), csr }, encodePrivateKey(key, req.passphrase));
    return currentEntry(tx.index, name) !== undefined;
  });
  return {
    name,
    csrPath: store.describe({ request: name }),
    profile: profile.name,
    subject: subjectText(subject),
    sans,
    encrypted: Boolean(req.passphrase),
    replacesSigned,
  };
}
