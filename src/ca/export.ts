/**
 * `ca export`: the files a member or user needs, as a tar archive, PEM text or a PKCS#12 file.
 * Keys leave as stored unless `insecure` asks for them decrypted (PKCS#12 always holds the key
 * decrypted inside its own encryption); the CA key leaves only when asked for (SPEC "Commands").
 */
import { failure, usageError } from '../error.js';
import { buildPkcs12, checkP12Password, type P12Encryption } from '../export/p12.js';

export { parseP12Iterations } from '../export/p12.js';
import { kubernetesSecret, secretName, validateNamespace } from '../export/k8s.js';
import { tarArchive } from '../export/tar.js';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { readCertificate, splitPemCertificates } from '../pki/x509.js';
import { decodePrivateKey, encodePrivateKey, isEncryptedPem } from '../pki/key.js';
import { KEY_MODE, PUBLIC_MODE } from '../store/file.js';
import { requireEntry, type IndexEntry } from '../store/index-file.js';
import { openStore, type CaStore } from '../store/store.js';
import { CA_PASSPHRASE_SOURCES, unlockKey, type PassphraseSource } from './authority.js';
import { intermediatesOf, readChain, rootOf, type CaChain } from './chain.js';

export type ExportFormat = 'tar' | 'pem' | 'p12' | 'k8s' | 'docker';

export interface P12Options {
  password: string;
  encryption: P12Encryption;
  iterations: number;
}

export interface ExportRequest {
  storeDir: string;
  /** absent: the CA certificate only */
  name?: string | undefined;
  /** write keys decrypted */
  insecure: boolean;
  /** the exported key's passphrase, to decrypt it */
  passphrase?: PassphraseSource | undefined;
  /** the CA key's, for `includeCaKey` with `insecure` */
  caPassphrase?: PassphraseSource | undefined;
  includeCaKey: boolean;
  format: ExportFormat;
  /** with format p12 */
  p12?: P12Options | undefined;
  /** with format k8s: the Secret's namespace and name (default: NAME, or ca-key-pair for the CA) */
  namespace?: string | undefined;
  secretName?: string | undefined;
  /** the archive entries' time */
  now: Date;
}

export interface ExportResult {
  /** the files inside, in order */
  names: string[];
  data: Buffer;
  /** a private key is inside: written 0600 */
  holdsKey: boolean;
  /** tar and PKCS#12 are binary: never written to a terminal */
  binary: boolean;
  warnings: string[];
}

interface Entry {
  name: string;
  data: Buffer;
  mode: number;
  isKey: boolean;
}

/** `ca export --server`: the CA certificate a server gave (after its fingerprint checked out). */
export async function exportCaCertificate(rootPem: string, format: 'tar' | 'pem', now: Date): Promise<ExportResult> {
  const entry: Entry = { name: 'ca.crt', data: Buffer.from(rootPem), mode: PUBLIC_MODE, isKey: false };
  const data = format === 'tar' ? await tarArchive([entry], now) : entry.data;
  return { names: ['ca.crt'], data, holdsKey: false, binary: format === 'tar', warnings: [] };
}

export async function exportBundle(req: ExportRequest): Promise<ExportResult> {
  if (req.format === 'p12' && (req.name === undefined || req.includeCaKey)) {
    throw usageError('a PKCS#12 file holds one certificate and its key', 'give a NAME, without --include-ca-key');
  }
  if (req.format === 'k8s' && (req.name === undefined) === !req.includeCaKey) {
    throw usageError(
      'a Kubernetes Secret holds one certificate and its key',
      'give a NAME (kubernetes.io/tls for a workload), or --include-ca-key without NAME (the CA, for cert-manager\'s CA issuer)',
    );
  }
  if (req.format === 'docker' && req.includeCaKey) throw usageError('Docker needs no CA key', 'leave out --include-ca-key');
  if (req.format === 'p12') checkP12Password(req.p12?.password ?? '');
  const secretName = req.format === 'k8s' ? k8sName(req) : undefined;
  const store = await openStore(req.storeDir);
  const { entries, warnings } = await collect(store, req);
  const names = entries.map((e) => e.name);
  const holdsKey = entries.some((e) => e.isKey);
  if ((req.format === 'k8s' || req.format === 'docker') && entries.some((e) => e.isKey && isEncryptedPem(e.data.toString()))) {
    throw usageError(
      `${req.format === 'k8s' ? 'Kubernetes' : 'Docker'} reads keys unencrypted, and this one is encrypted`,
      'pass --insecure to write it decrypted (with its passphrase: --passphrase-file, or CA_PASSPHRASE for the CA key)',
    );
  }
  if (req.format === 'docker') return dockerArchive(entries, req.now, warnings);
  if (req.format === 'k8s') return k8sSecret(entries, secretName!, req, warnings, await readChain(store));
  if (req.format === 'tar') {
    return { names, data: await tarArchive(entries, req.now), holdsKey, binary: true, warnings };
  }
  if (req.format === 'pem') {
    // TLS order (RFC 8446 4.4.2): the certificate, then its issuer; keys last.
    const ordered = [...entries.filter((e) => !e.isKey), ...entries.filter((e) => e.isKey)];
    return { names: ordered.map((e) => e.name), data: Buffer.concat(ordered.map((e) => e.data)), holdsKey, binary: false, warnings };
  }
  const key = entries.find((e) => e.isKey);
  if (!key) throw failure(`${req.name} has no key in the store (it was signed from an outside request)`, 'export it as --format pem or tar');
  // NAME.crt already holds the leaf and the intermediates; the root follows.
  const certificatePems = [...splitPemCertificates(entries[0]!.data.toString()), entries.find((e) => e.name === 'ca.crt')!.data.toString()];
  const data = buildPkcs12({ keyPem: key.data.toString(), certificatePems, friendlyName: req.name!, ...req.p12! });
  return { names: [`${req.name}.p12`], data, holdsKey: true, binary: true, warnings };
}

/** Docker's `--tlsverify` names, in ~/.docker or --tlscacert/--tlscert/--tlskey (docs.docker.com, "Protect the Docker daemon socket"). */
async function dockerArchive(entries: Entry[], now: Date, warnings: string[]): Promise<ExportResult> {
  const renamed: Entry[] = [];
  for (const e of entries) {
    if (e.name === 'ca.crt') renamed.push({ ...e, name: 'ca.pem' });
    else if (e.isKey) renamed.push({ ...e, name: 'key.pem' });
    else renamed.push({ ...e, name: 'cert.pem' });
  }
  // ca.pem first, as Docker's guide lists them.
  renamed.sort((a, b) => ['ca.pem', 'cert.pem', 'key.pem'].indexOf(a.name) - ['ca.pem', 'cert.pem', 'key.pem'].indexOf(b.name));
  return { names: renamed.map((e) => e.name), data: await tarArchive(renamed, now), holdsKey: renamed.some((e) => e.isKey), binary: true, warnings };
}

function k8sName(req: ExportRequest): string {
  if (req.namespace !== undefined) validateNamespace(req.namespace);
  return secretName(req.secretName, req.name ?? 'ca-key-pair');
}

/**
 * A `kubernetes.io/tls` Secret: NAME's certificate (with the intermediates) and key, or, with
 * --include-ca-key, the CA's own certificate and key, which cert-manager's CA issuer signs with.
 * `ca.crt` is the root either way.
 */
function k8sSecret(entries: Entry[], name: string, req: ExportRequest, warnings: string[], chain: CaChain): ExportResult {
  const root = entries.find((e) => e.name === 'ca.crt')!;
  // The CA's own: its certificate and those above it but the root (a TLS chain).
  const cert = req.name === undefined ? Buffer.from([chain.ca, ...chain.above.slice(0, -1)].join('')) : entries[0]!.data;
  const key = entries.find((e) => e.isKey);
  if (!key) throw failure(`${req.name} has no key in the store (it was signed from an outside request)`, 'a kubernetes.io/tls Secret needs one: export it as --format pem');
  const yaml = kubernetesSecret({ name, namespace: req.namespace, type: 'kubernetes.io/tls', data: [['tls.crt', cert], ['tls.key', key.data], ['ca.crt', root.data]] });
  return { names: [`Secret ${req.namespace ? `${req.namespace}/` : ''}${name}`], data: Buffer.from(yaml), holdsKey: true, binary: false, warnings };
}

async function collect(store: CaStore, req: ExportRequest): Promise<{ entries: Entry[]; warnings: string[] }> {
  const { name } = req;
  const entries: Entry[] = [];
  const warnings: string[] = [];
  const decrypt = req.insecure || req.format === 'p12';
  const chain = await readChain(store);
  if (name !== undefined) {
    const { entry, certPem, keyPem, pending } = await currentPair(store, name);
    // SPEC: NAME.crt is the leaf followed by the intermediates, what a TLS server presents.
    const presented = [certPem, ...intermediatesOf(chain)].join('');
    entries.push({ name: `${name}.crt`, data: Buffer.from(presented), mode: PUBLIC_MODE, isKey: false });
    if (keyPem !== undefined) {
      entries.push(await keyEntry(`${name}.key`, keyPem, store.describe({ key: name }), decrypt, req.passphrase, `the key of ${name}`, '--passphrase or --passphrase-file'));
    } else if (req.format !== 'p12') {
      warnings.push(`${name} was signed from an outside request: its key is not in the store, so none is exported`);
    }
    if (pending) warnings.push(`a newer request for ${name} is pending; this is the certificate in force (serial ${entry.serial}) and its key`);
    if (entry.status === 'revoked') warnings.push(`${name} is revoked (since ${entry.revokedAt}): peers that check the CRL refuse it`);
    else if (new Date(entry.notAfter) <= req.now) warnings.push(`${name} expired on ${entry.notAfter}: every peer refuses it; \`ca renew ${name}\` issues it again`);
  }
  entries.push(rootEntry(chain));
  if (req.includeCaKey) {
    entries.push(await keyEntry('ca.key', await store.readCaKey(), store.describe('ca key'), decrypt, req.caPassphrase, 'the CA key', CA_PASSPHRASE_SOURCES));
  }
  return { entries, warnings };
}

/**
 * NAME's certificate in force and the key that matches it (SPEC: an export always gives a
 * certificate with its own key). A change committed by a concurrent or interrupted command may not
 * have brought keys/ in line yet; then the store is brought in line under the lock and read again.
 */
async function currentPair(store: CaStore, name: string, settled = false): Promise<{ entry: IndexEntry; certPem: string; keyPem?: string; pending: boolean }> {
  const index = await store.readIndex();
  const entry = requireEntry(index, name);
  const certPem = await store.certificatePem(entry);
  readCertificate(certPem, store.describe({ issued: entry.serial })); // a damaged certificate is reported, never handed over
  const pending = index.requests.some((r) => r.name === name);
  if (!entry.hasKey) return { entry, certPem, pending };
  const keyPem = await store.readKey(name);
  if (keyFits(certPem, keyPem)) return { entry, certPem, keyPem, pending };
  if (!settled && index.applying.some((a) => a.name === name)) {
    await store.change(async () => undefined);
    return currentPair(store, name, true);
  }
  throw failure(`the key in ${store.describe({ key: name })} does not match certificate ${entry.serial} of ${name}`, 'restore the store from a backup');
}

/**
 * Compares the public halves. An encrypted key is taken as it is (its passphrase is asked later),
 * and an unreadable one too: keyEntry reports it as such.
 */
function keyFits(certPem: string, keyPem: string): boolean {
  if (isEncryptedPem(keyPem)) return true;
  try {
    return new X509Certificate(certPem).publicKey.equals(createPublicKey(keyPem));
  } catch {
    return true;
  }
}

/** ca.crt in an export is the trust anchor: the root, for a store made with --parent too. */
function rootEntry(chain: CaChain): Entry {
  const pem = rootOf(chain);
  readCertificate(pem, 'the root CA certificate'); // a damaged certificate is reported, never handed over
  return { name: 'ca.crt', data: Buffer.from(pem), mode: PUBLIC_MODE, isKey: false };
}

async function keyEntry(
  name: string,
  pem: string,
  path: string,
  decrypt: boolean,
  passphrase: PassphraseSource | undefined,
  what: string,
  sources: string,
): Promise<Entry> {
  let data = pem;
  if (!isEncryptedPem(pem)) decodePrivateKey(pem, undefined, what, sources, path); // a damaged key is reported
  else if (decrypt) data = encodePrivateKey(await unlockKey(pem, passphrase, what, sources, path));
  return { name, data: Buffer.from(data), mode: KEY_MODE, isKey: true };
}
