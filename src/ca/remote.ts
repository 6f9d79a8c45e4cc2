/**
 * The local half of the remote commands (SPEC "Online CA", clients): keys are made here and never
 * sent; what the server answers is checked before anything is written (it chains to the pinned CA
 * and certifies our key); files are written atomically, keys 0600.
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { failure } from '../error.js';
import { buildRequest } from '../pki/csr.js';
import { decodePrivateKey, encodePrivateKey, isEncryptedPem } from '../pki/key.js';
import { generateKey } from '../pki/key-generation.js';
import { specOfKey, type KeySpec } from '../pki/key-type.js';
import { noAltNames } from '../pki/san.js';
import { splitPemCertificates } from '../pki/x509.js';
import { makePrivateDirectory, readKeyFile, readLimited } from '../store/file.js';
import { MAX_INPUT_BYTES } from '../pki/csr.js';
import { replaceFiles, writeOutputFile } from './output-file.js';

export interface NewKey {
  key: KeyObject;
  keyPem: string;
  csrPem: string;
}

/** A key made here and a request for it (the server takes the names from the token or the index). */
export async function newKeyAndRequest(spec: KeySpec, commonName: string): Promise<NewKey> {
  const key = await generateKey(spec);
  return { key, keyPem: encodePrivateKey(key), csrPem: buildRequest({ subject: { commonName }, altNames: noAltNames(), key }) };
}

/**
 * What the server answered, accepted only if it is a chain to `root` for `publicKey`. Returns the
 * certificate followed by the intermediates (what a server presents).
 */
export function acceptIssued(chainPem: string, root: string, publicKey: KeyObject, origin: string): { leaf: X509Certificate; presented: string } {
  const pems = splitPemCertificates(chainPem);
  if (pems.length === 0) throw failure(`${origin} answered without a certificate`);
  const certs = [...pems, root].map((p) => new X509Certificate(p));
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i]!.checkIssued(certs[i + 1]!) || !certs[i]!.verify(certs[i + 1]!.publicKey)) {
      throw failure(`the certificate from ${origin} does not chain to the pinned CA`);
    }
  }
  if (!certs[0]!.publicKey.equals(publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey)) {
    throw failure(`the certificate from ${origin} is not for our key`);
  }
  return { leaf: certs[0]!, presented: pems.join('') };
}

/** Writes NAME.crt, NAME.key (0600) and ca.crt into `dir` (made 0700 when missing). */
export async function writeEnrolled(dir: string, name: string, files: { presented: string; keyPem: string; root: string }, force: boolean): Promise<string[]> {
  await makePrivateDirectory(dir);
  const paths = [join(dir, `${name}.crt`), join(dir, `${name}.key`), join(dir, 'ca.crt')];
  await writeOutputFile({ path: paths[1]!, data: files.keyPem, holdsKey: true, force });
  await writeOutputFile({ path: paths[0]!, data: files.presented, holdsKey: false, force });
  await writeOutputFile({ path: paths[2]!, data: files.root, holdsKey: false, force });
  return paths;
}

export interface Held {
  certPem: string;
  keyPem: string;
  key: KeyObject;
  spec: KeySpec | undefined;
}

/** The certificate and key a node holds (`ca renew --server --cert F --key F`). */
export async function readHeld(certPath: string, keyPath: string): Promise<Held> {
  const certPem = (await readLimited(certPath, MAX_INPUT_BYTES, '--cert ')).toString('utf8');
  const keyPem = await readKeyFile(keyPath, '--key');
  if (isEncryptedPem(keyPem)) throw failure(`--key ${keyPath} is encrypted`, 'a key renewed unattended is stored unencrypted (0600)');
  const key = decodePrivateKey(keyPem, undefined, `the key ${keyPath}`, '--key', keyPath);
  const leaf = splitPemCertificates(certPem)[0];
  if (!leaf || !new X509Certificate(leaf).checkPrivateKey(key)) throw failure(`--key ${keyPath} is not the key of --cert ${certPath}`);
  return { certPem, keyPem, key, spec: specOfKey(key) };
}

/** Puts the renewed certificate (and a new key) in place of the old ones, together. */
export async function replaceHeld(certPath: string, presented: string, keyPath: string, newKeyPem: string | undefined): Promise<void> {
  await replaceFiles([...(newKeyPem ? [{ path: keyPath, data: newKeyPem, holdsKey: true }] : []), { path: certPath, data: presented, holdsKey: false }]);
}
