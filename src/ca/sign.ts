/**
 * `ca sign NAME` signs a request made by `new-cert`; `ca sign --csr FILE` signs one made elsewhere
 * (Magnum's ca-sign), under SPEC's policy: the request supplies only CN, O and SANs, each checked
 * as the flags are; the profile supplies everything else.
 */
import { resolve } from 'node:path';
import { alreadyExists, failure, usageError } from '../error.js';
import { MAX_INPUT_BYTES, readRequest } from '../pki/csr.js';
import { isEncryptedPem } from '../pki/key.js';
import { validateNewName } from '../pki/name.js';
import type { Lifetime } from '../pki/validity.js';
import { exists, readLimited } from '../store/file.js';
import { currentEntry, pendingRequest } from '../store/index-file.js';
import { openStore } from '../store/store.js';
import { openAuthority, type PassphraseSource } from './authority.js';
import { issueCertificate, issuingProfile, type Issued, type NameFromCommonName } from './issue.js';
import { writeOutputFile } from './output-file.js';

export interface SignRequest {
  storeDir: string;
  name: string;
  /** default: the profile given to new-cert */
  profile?: string | undefined;
  lifetime?: Lifetime | undefined;
  caPassphrase?: PassphraseSource | undefined;
  now: Date;
}

export async function signPending(req: SignRequest): Promise<Issued & { keyEncrypted: boolean }> {
  const store = await openStore(req.storeDir);
  const { name } = req;
  const index = await store.readIndex();
  const pending = pendingRequest(index, name);
  if (!pending) {
    if (currentEntry(index, name)) {
      throw failure(`${name} is already signed`, `to issue it again, run \`ca new-cert --force ${name}\` then \`ca sign ${name}\``);
    }
    throw failure(`there is no request named ${name}`, `run \`ca new-cert ${name}\` first`);
  }
  const profile = await issuingProfile(req.profile ?? pending.profile, store);
  const info = readRequest(pending.csr, `request ${name}`);
  const authority = await openAuthority(store, req.caPassphrase, { now: req.now });
  const issued = await issueCertificate({
    store,
    authority,
    name,
    profile,
    subject: info.subject,
    altNames: info.altNames,
    publicKey: info.publicKey,
    key: { request: pending },
    lifetime: req.lifetime,
    now: req.now,
    source: 'new-cert',
    force: false,
  });
  // Said in the next step's hint: an encrypted key is exported encrypted unless asked otherwise.
  return { ...issued, keyEncrypted: isEncryptedPem(await store.readKey(name)) };
}

export interface SignCsrRequest {
  storeDir: string;
  /** the request file (PEM or DER), read up to 64 KiB */
  csrPath: string;
  name?: string | undefined;
  profile: string;
  lifetime?: Lifetime | undefined;
  caPassphrase?: PassphraseSource | undefined;
  force: boolean;
  /** also write the certificate here (0644) */
  out?: string | undefined;
  now: Date;
}

export interface SignCsrResult extends Issued {
  ignored: string[];
  /** the absolute path of `out`, when given */
  outPath?: string | undefined;
}

export async function signExternal(req: SignCsrRequest): Promise<SignCsrResult> {
  const info = readRequest(await readLimited(req.csrPath, MAX_INPUT_BYTES, '--csr '), req.csrPath);
  const store = await openStore(req.storeDir);
  const name = req.name ?? nameOfRequest(info.subject.commonName);
  const profile = await issuingProfile(req.profile, store);
  const authority = await openAuthority(store, req.caPassphrase, { now: req.now });
  // Checked before signing: a refused --out must not leave a certificate recorded behind it.
  if (req.out !== undefined && !req.force && (await exists(resolve(req.out)))) {
    throw alreadyExists(`${req.out} already exists`, 'pass --force to replace it');
  }
  const issued = await issueCertificate({
    store,
    authority,
    name,
    profile,
    // SPEC policy: from an outside request, only CN and O (OU is the cluster id, C is not taken).
    subject: { commonName: info.subject.commonName || (name as string), organization: info.subject.organization },
    altNames: info.altNames,
    publicKey: info.publicKey,
    key: { none: true },
    lifetime: req.lifetime,
    now: req.now,
    source: 'csr',
    force: req.force,
    requestCopy: info.pem,
  });
  const warnings = [...issued.warnings];
  if (info.ignored.length > 0) warnings.push(`the request's ${info.ignored.join(', ')} names were not taken: only DNS, IP, URI and e-mail SANs are`);
  const outPath = req.out === undefined ? undefined : await writeOutputFile({ path: req.out, data: issued.chainPem, holdsKey: false, force: req.force });
  return { ...issued, warnings, ignored: info.ignored, outPath };
}

/** A request or certificate file from the command line, read up to 64 KiB. */
export function readInputFile(path: string, flag: string): Promise<Buffer> {
  return readLimited(path, MAX_INPUT_BYTES, `${flag} `);
}

/**
 * `ca sign --csr FILE` without NAME: the request's CN when it is a name; otherwise (Magnum's
 * "Your Name") a name made from the CN and the serial, as `ca serve` does (issue.ts).
 */
function nameOfRequest(cn: string): string | NameFromCommonName {
  if (!cn) throw usageError('the request has no common name to name it by', 'give a NAME: ca sign --csr FILE NAME');
  try {
    return validateNewName(cn);
  } catch {
    return { fromCommonName: cn };
  }
}
