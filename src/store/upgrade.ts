/**
 * Stores made by clusterca 0.1 (index format 1) are brought to format 2 by the first command that
 * changes them, under the lock. Format 1 kept only the current certificate of each name and put a
 * pending request's key straight into keys/NAME.key, over the key of the certificate in force. The
 * upgrade archives every current certificate by serial, records each one's public key, moves each
 * request's key to keys/pending/ and never leaves a key in keys/NAME.key that does not match
 * certs/NAME.crt. Certificates superseded under format 1 were not kept; their public key is unknown.
 */
import { X509Certificate, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { readRequest } from '../pki/csr.js';
import { summarizeCertificate } from '../pki/x509.js';
import { join } from 'node:path';
import { exists, makePrivateDirectory, readKeyRef, readRef, writeAtomic } from './file.js';
import { currentEntries, currentEntry, INDEX_VERSION, type Index } from './index-file.js';
import { SUBDIRS, pendingKeyPath, type Layout } from './layout.js';

export async function upgradeIndex(files: Layout, index: Index): Promise<Index> {
  for (const sub of SUBDIRS) await makePrivateDirectory(join(files.dir, sub));
  for (const entry of currentEntries(index)) {
    const pem = await readRef(files.cert(entry.name)).catch(() => undefined);
    if (pem === undefined) continue;
    const summary = summarizeCertificate(pem, files.cert(entry.name).path);
    if (summary.serial !== entry.serial) continue;
    entry.publicKey = summary.publicKey;
    entry.keyType = summary.keyType;
    if (!(await exists(files.issued(entry.serial).path))) await writeAtomic(files.issued(entry.serial), pem);
    if (entry.name !== 'ca' && entry.hasKey) entry.hasKey = (await keyIs(files, entry.name, new X509Certificate(pem).publicKey)) !== false;
  }
  const requests = [];
  for (const request of index.requests) {
    const csr = await readRef(files.csr(request.name)).catch(() => undefined);
    if (csr === undefined) continue; // a request without its CSR cannot be signed
    const info = readRequest(csr, files.csr(request.name).path);
    const keyRef = files.key(request.name);
    if ((await keyIs(files, request.name, info.publicKey)) === false) continue; // its key is gone
    const id = randomBytes(16).toString('hex');
    await writeAtomic(files.pendingKey(pendingKeyPath(id)), await readKeyRef(keyRef));
    requests.push({ ...request, id, csr: info.pem });
    // Format 1 wrote the request's key over the key of the name's certificate, which is lost.
    await unlink(keyRef.path);
    const current = currentEntry(index, request.name);
    if (current) current.hasKey = false;
  }
  return { ...index, version: INDEX_VERSION, requests, applying: [] };
}

/** Whether keys/NAME.key holds `publicKey`'s private half: unknown (undefined) when it is encrypted. */
async function keyIs(files: Layout, name: string, publicKey: KeyObject): Promise<boolean | undefined> {
  const keyPem = await readKeyRef(files.key(name)).catch(() => undefined);
  if (keyPem === undefined) return false;
  try {
    return createPublicKey(keyPem).equals(publicKey);
  } catch {
    return undefined; // encrypted: its public half cannot be read without the passphrase
  }
}
