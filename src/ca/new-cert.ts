/**
 * `ca new-cert`: a key and a certificate request in the store, waiting for `ca sign` (etcd-ca's
 * two-step workflow). The key is generated before the lock is taken, so slow key generation never
 * holds up other commands. It is kept apart, under keys/pending/, until its request is signed: the
 * key in keys/NAME.key stays the one of NAME's certificate in force (SPEC "Certificate identity").
 */
import { buildRequest } from '../pki/csr.js';
import { encodePrivateKey } from '../pki/key.js';
import type { KeySpec } from '../pki/key-type.js';
import { isIP } from 'node:net';
import { hasServerAuth } from '../pki/profile.js';
import { altNamesText, countAltNames, hostCommonName, parseAltNames, type AltNames } from '../pki/san.js';
import { subjectOf, subjectText, type Subject } from '../pki/subject.js';
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
  /** the SAN taken from NAME, given without --domain or --ip (mkcert's habit) */
  sanFromName?: string | undefined;
}

/**
 * mkcert's habit, `mkcert localhost`: a server certificate asked for by a host name alone is for
 * that host. Without a SAN, Go, Chrome and macOS reject the certificate whatever its CN says
 * (RFC 6125 6.4.4, CA/B BR 7.1.4.2.1), so a NAME that is a host name or an IPv4 address, given
 * without --domain and --ip for a profile with serverAuth, becomes the SAN.
 */
export function altNamesFromName(name: string, given: AltNames, serverAuth: boolean): AltNames | undefined {
  if (!serverAuth || countAltNames(given) > 0) return undefined;
  try {
    return parseAltNames(isIP(name) === 4 ? { ips: [name] } : { domains: [name] });
  } catch {
    return undefined; // not a host name (`node_7`): the request has no SAN, and `ca sign` warns
  }
}

/** SPEC: the CN defaults to the first domain (the first that fits a CN), else the first IP, else the name. */
export function defaultCommonName(name: string, altNames: AltNames): string {
  return hostCommonName(altNames) ?? name;
}

export async function createRequest(req: NewCertRequest): Promise<NewCertResult> {
  const store = await openStore(req.storeDir);
  const { name } = req;
  const profile = await issuingProfile(req.profile, store);
  checkNameFree(await store.readIndex(), name, req.force);
  const fromName = altNamesFromName(name, req.altNames, hasServerAuth(profile));
  const altNames = fromName ?? req.altNames;

  const subject: Subject = {
    commonName: req.commonName ?? defaultCommonName(name, altNames),
    organization: req.organization,
    organizationalUnit: store.meta.clusterId,
    country: req.country,
  };
  const chain = await readChain(store);
  checkNotCaSubject(subject, subjectOf(parseCertificate(chain.ca).subject));
  checkConstraints(constraintsOf(chain, store.describe('chain')), altNames, subject.commonName);
  const key = await newLeafKey(req.keySpec);
  const csr = buildRequest({ subject, altNames, key });
  const sans = altNamesText(altNames);

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
    sanFromName: fromName ? sans[0] : undefined,
  };
}
