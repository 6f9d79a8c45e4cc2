/**
 * The local half of the remote commands (SPEC "Online CA", clients): keys are made here and never
 * sent; what the server answers is checked before anything is written (it chains to the pinned CA
 * and certifies our key); files are written atomically, keys 0600.
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { alreadyExists, failure, usageError } from '../error.js';
import { buildRequest } from '../pki/csr.js';
import { decodePrivateKey, encodePrivateKey, isEncryptedPem } from '../pki/key.js';
import { generateKey } from '../pki/key-generation.js';
import { specOfKey, type KeySpec } from '../pki/key-type.js';
import { noAltNames } from '../pki/san.js';
import { splitPemCertificates } from '../pki/x509.js';
import { exists, makePrivateDirectory, readKeyFile, readLimited } from '../store/file.js';
import { MAX_INPUT_BYTES } from '../pki/csr.js';
import { replaceFiles, writeOutputFiles } from './output-file.js';

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
 * What the server answered, accepted only if it is a chain to `root` through the pinned `anchor`
 * (the root itself, or an intermediate below it) for `publicKey`. Returns the certificate followed
 * by the intermediates (what a server presents).
 */
export function acceptIssued(chainPem: string, trust: { root: string; anchor: string }, publicKey: KeyObject, origin: string): { leaf: X509Certificate; presented: string } {
  const pems = splitPemCertificates(chainPem);
  if (pems.length === 0) throw failure(`${origin} answered without a certificate`);
  const certs = [...pems, trust.root].map((p) => new X509Certificate(p));
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i]!.checkIssued(certs[i + 1]!) || !certs[i]!.verify(certs[i + 1]!.publicKey)) {
      throw failure(`the certificate from ${origin} does not chain to the pinned CA`);
    }
  }
  const anchor = new X509Certificate(trust.anchor).fingerprint256;
  if (!certs.slice(1).some((c) => c.fingerprint256 === anchor)) throw failure(`the certificate from ${origin} was not issued under the pinned CA`);
  if (!certs[0]!.publicKey.equals(publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey)) {
    throw failure(`the certificate from ${origin} is not for our key`);
  }
  return { leaf: certs[0]!, presented: pems.join('') };
}

/** What `ca enroll` will write into --out, known before the token is sent. */
export interface EnrollOutputs {
  dir: string;
  /** ca.crt is already there with these very bytes: left as it is */
  caKept: boolean;
}

/**
 * SPEC "Third wave": enroll checks that it may write its outputs before it spends the token. --out
 * must be a directory we may write into (or one we may create, under one we may write into); ca.crt
 * may be there already only with the pinned CA's bytes (several nodes share it) or with --force;
 * NAME.crt and NAME.key, when NAME is given, only with --force. Without NAME the token may fix the
 * name, which the client learns only from the answer; those files are checked again when written.
 */
export async function checkEnrollOutputs(dir: string, name: string | undefined, root: string, force: boolean): Promise<EnrollOutputs> {
  await checkWritableDirectory(dir);
  const caPath = join(dir, 'ca.crt');
  const caNow = await sameText(caPath, root);
  const caKept = caNow === 'same';
  if (!force) {
    const taken = [...(name === undefined ? [] : [join(dir, `${name}.crt`), join(dir, `${name}.key`)]), ...(caNow === 'other' ? [caPath] : [])];
    for (const path of taken) {
      if (await exists(path)) throw alreadyExists(`${path} already exists`, 'pass --force to replace it (the token was not used)');
    }
  }
  return { dir, caKept };
}

/** Whether `path` is absent, a regular file holding exactly `text`, or anything else (never read whole: a FIFO, a huge file). */
async function sameText(path: string, text: string): Promise<'absent' | 'same' | 'other'> {
  const st = await lstat(path).catch(() => undefined);
  if (st === undefined) return 'absent';
  if (!st.isFile() || st.size !== Buffer.byteLength(text)) return 'other';
  return (await readFile(path, 'utf8').catch(() => undefined)) === text ? 'same' : 'other';
}

/** `dir` is a directory we may write into, or the nearest one above it that exists is. */
async function checkWritableDirectory(dir: string): Promise<void> {
  const notDirectory = () => usageError(`--out ${dir} is not a directory`, 'give a directory for NAME.crt, NAME.key and ca.crt');
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = await stat(d).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err.code === 'ENOTDIR' ? notDirectory() : err)));
    if (st === undefined && dirname(d) !== d) continue;
    if (!st?.isDirectory()) throw notDirectory();
    // access(2) answers for this process's user, and EROFS for a read-only file system.
    const code = await access(d, constants.W_OK | constants.X_OK).then(() => undefined, (err: NodeJS.ErrnoException) => err.code);
    if (code !== undefined) {
      throw failure(`cannot write into ${d}: ${code === 'EROFS' ? 'read-only file system' : 'permission denied'}`, 'give another --out, or run as a user who may write there (the token was not used)');
    }
    return;
  }
}

/** Writes NAME.crt, NAME.key (0600) and ca.crt (unless kept) into the checked --out (made 0700 when missing). */
export async function writeEnrolled(out: EnrollOutputs, name: string, files: { presented: string; keyPem: string; root: string }, force: boolean): Promise<string[]> {
  await makePrivateDirectory(out.dir);
  const paths = [join(out.dir, `${name}.crt`), join(out.dir, `${name}.key`), join(out.dir, 'ca.crt')];
  await writeOutputFiles([
    { path: paths[1]!, data: files.keyPem, holdsKey: true, force },
    { path: paths[0]!, data: files.presented, holdsKey: false, force },
    ...(out.caKept ? [] : [{ path: paths[2]!, data: files.root, holdsKey: false, force }]),
  ]);
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
