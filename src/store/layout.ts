/**
 * Where each file of a store lives and with which mode (SPEC "Store"). A FileRef carries its path and
 * mode, so the security policy (keys 0600, everything else 0644) is stated once, here, not at each
 * write (certstrap's depot tags).
 */
import { join } from 'node:path';
import { failure } from '../error.js';
import { KEY_MODE, PUBLIC_MODE, type FileRef } from './file.js';

/**
 * What a name may be (SPEC "Store"). The use cases check every name they are given (pki/name.ts);
 * this is the second check, at the depth where a name becomes a path, so that nothing that slipped
 * past the first (`../ca`, `a/b`, a space) can ever name a file outside its directory.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SERIAL = /^[0-9a-f]{2,40}$/;
const PENDING_KEY = /^keys\/pending\/[0-9a-f]{16,64}\.key$/;

function checked(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw failure(`refusing to make a path in the store from the ${what} ${JSON.stringify(value)}`, 'this is a bug: please report it');
  return value;
}

/** A name of a certificate or request (not the CA's own, `ca`), refused unless it is one. */
export function storeName(name: string): string {
  if (name === 'ca') throw failure('refusing to record a certificate or request under the name "ca": it is the CA\'s own', 'this is a bug: please report it');
  return checked(name, NAME, 'name');
}

/**
 * Directories of a store, all 0700. `issued/` keeps every certificate ever issued, by serial;
 * `archive/` the index entries of those that expired long enough ago (archive.ts).
 */
export const SUBDIRS = ['certs', 'keys', 'keys/pending', 'csrs', 'issued', 'archive'] as const;
/** Where temporary files can be left by a crash: every directory but issued/ (Layout.issued). */
export const TEMP_DIRS = ['.', 'certs', 'keys', 'keys/pending', 'csrs', 'archive'] as const;

export class Layout {
  constructor(readonly dir: string) {}

  protected file(relative: string, mode: number, label: string): FileRef {
    return { path: join(this.dir, relative), mode, label };
  }

  get metaFile(): FileRef {
    return this.file('store.json', PUBLIC_MODE, 'the store description');
  }
  /** `*`: git ignores the whole store wherever it is */
  get gitignore(): FileRef {
    return this.file('.gitignore', PUBLIC_MODE, "the store's .gitignore");
  }
  get caCert(): FileRef {
    return this.file('ca.crt', PUBLIC_MODE, 'the CA certificate');
  }
  get caKey(): FileRef {
    return this.file('ca.key', KEY_MODE, 'the CA key');
  }
  /** The CA certificates above this store's CA (`init --parent`): its issuer first, the root last. */
  get chain(): FileRef {
    return this.file('chain.pem', PUBLIC_MODE, 'the CA chain');
  }
  get crl(): FileRef {
    return this.file('crl.pem', PUBLIC_MODE, 'the CRL');
  }
  get crlDer(): FileRef {
    return this.file('crl.der', PUBLIC_MODE, 'the CRL (DER)');
  }
  /** The changes since index.json was written, one JSON line each (journal.ts). */
  get journal(): FileRef {
    return this.file('journal.jsonl', PUBLIC_MODE, 'the journal');
  }
  get index(): FileRef {
    return this.file('index.json', PUBLIC_MODE, 'the index');
  }
  /** The current certificate of NAME (the CA's is ca.crt). */
  cert(name: string): FileRef {
    return name === 'ca' ? this.caCert : this.file(`certs/${storeName(name)}.crt`, PUBLIC_MODE, `certificate ${name}`);
  }
  /** The key of NAME's current certificate (the CA's is ca.key). */
  key(name: string): FileRef {
    return name === 'ca' ? this.caKey : this.file(`keys/${storeName(name)}.key`, KEY_MODE, `the key of ${name}`);
  }
  /** A key not yet in force: of a pending request, or of a certificate being committed. */
  pendingKey(relative: string): FileRef {
    return this.file(checked(relative, PENDING_KEY, 'pending key'), KEY_MODE, 'a pending key');
  }
  /** Every certificate issued, by serial: what `ca show --serial` and revocation by key read. */
  issued(serial: string): FileRef {
    // Staged in the store's top directory, which is looked through for what a crash left; issued/
    // grows with every certificate and is never listed.
    return { ...this.file(`issued/${checked(serial, SERIAL, 'serial')}.crt`, PUBLIC_MODE, `certificate ${serial}`), tempDir: this.dir };
  }
  /** Certificates moved out of the index, by the last two hex digits of their serial (archive.ts). */
  archiveShard(shard: string): FileRef {
    return this.file(`archive/${checked(shard, /^[0-9a-f]{2}$/, 'archive shard')}.jsonl`, PUBLIC_MODE, `the archive ${shard}`);
  }
  csr(name: string): FileRef {
    return this.file(`csrs/${storeName(name)}.csr`, PUBLIC_MODE, `request ${name}`);
  }
  profile(name: string): FileRef {
    return this.file(`profiles/${name}.json`, PUBLIC_MODE, `profile ${name}`);
  }
}

/** keys/pending/<id>.key, relative to the store (as the index records it). */
export function pendingKeyPath(id: string): string {
  return `keys/pending/${id}.key`;
}
