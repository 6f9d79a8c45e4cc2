/**
 * `ca export`: the files a member or user needs, as a list of entries the export writers turn into a
 * tar (or, later, PKCS#12 and PEM). Keys leave as stored unless `insecure` asks for them decrypted;
 * the CA key leaves only when asked for by name (SPEC "Commands").
 */
import { failure } from '../error.js';
import { encodePrivateKey, isEncryptedPem } from '../pki/key.js';
import { currentEntry } from '../store/index-file.js';
import { KEY_MODE, PUBLIC_MODE } from '../store/file.js';
import type { FileRef } from '../store/file.js';
import { Store } from '../store/store.js';
import { tarArchive } from '../export/tar.js';
import { CA_PASSPHRASE_SOURCES, unlockKey, type PassphraseSource } from './authority.js';

export interface ExportRequest {
  storeDir: string;
  /** absent: the CA certificate only */
  name?: string | undefined;
  /** write keys decrypted */
  insecure: boolean;
  /** the exported key's passphrase, to decrypt it with `insecure` */
  passphrase?: PassphraseSource | undefined;
  /** the CA key's, for `includeCaKey` with `insecure` */
  caPassphrase?: PassphraseSource | undefined;
  includeCaKey: boolean;
  format: 'tar';
  /** the archive entries' time */
  now: Date;
}

export interface ExportEntry {
  name: string;
  data: Buffer;
  mode: number;
  isKey: boolean;
}

export interface ExportResult {
  /** the file names inside, in order */
  names: string[];
  /** the archive */
  data: Buffer;
  /** whether a private key is inside: such an archive is written 0600 */
  holdsKey: boolean;
  warnings: string[];
}

export async function exportBundle(req: ExportRequest): Promise<ExportResult> {
  const store = await Store.open(req.storeDir);
  const { name } = req;
  const entries: ExportEntry[] = [];
  const warnings: string[] = [];
  if (name !== undefined) {
    const index = await store.readIndex();
    if (!currentEntry(index, name)) {
      if (index.requests.some((r) => r.name === name)) throw failure(`${name} is not signed yet`, `run \`ca sign ${name}\` first`);
      throw failure(`there is no certificate named ${name}`, `check the name; the store's certificates are in ${store.dir}/certs`);
    }
    entries.push(await certEntry(store, `${name}.crt`, store.cert(name)));
    const keyRef = store.key(name);
    if (await store.has(keyRef)) {
      entries.push(await keyEntry(store, `${name}.key`, keyRef, req.insecure, req.passphrase, `the key of ${name}`, '--passphrase or --passphrase-file'));
    } else {
      warnings.push(`${name} was signed from an outside request: its key is not in the store, so none is exported`);
    }
  }
  entries.push(await certEntry(store, 'ca.crt', store.caCert));
  if (req.includeCaKey) {
    entries.push(await keyEntry(store, 'ca.key', store.caKey, req.insecure, req.caPassphrase, 'the CA key', CA_PASSPHRASE_SOURCES));
  }
  return {
    names: entries.map((e) => e.name),
    data: await tarArchive(entries, req.now),
    holdsKey: entries.some((e) => e.isKey),
    warnings,
  };
}

async function certEntry(store: Store, name: string, ref: FileRef): Promise<ExportEntry> {
  return { name, data: Buffer.from(await store.read(ref)), mode: PUBLIC_MODE, isKey: false };
}

async function keyEntry(
  store: Store,
  name: string,
  ref: FileRef,
  insecure: boolean,
  passphrase: PassphraseSource | undefined,
  what: string,
  sources: string,
): Promise<ExportEntry> {
  const pem = await store.readKey(ref);
  let data = pem;
  if (insecure && isEncryptedPem(pem)) data = encodePrivateKey(await unlockKey(pem, passphrase, what, sources));
  return { name, data: Buffer.from(data), mode: KEY_MODE, isKey: true };
}
