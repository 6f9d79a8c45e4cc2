/**
 * Where each file of a store lives and with which mode (SPEC "Store"). A FileRef carries its path and
 * mode, so the security policy (keys 0600, everything else 0644) is stated once, here, not at each
 * write (certstrap's depot tags).
 */
import { join } from 'node:path';
import { KEY_MODE, PUBLIC_MODE, type FileRef } from './file.js';

/** Directories of a store, all 0700. `issued/` keeps every certificate ever issued, by serial. */
export const SUBDIRS = ['certs', 'keys', 'keys/pending', 'csrs', 'issued'] as const;

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
    return name === 'ca' ? this.caCert : this.file(`certs/${name}.crt`, PUBLIC_MODE, `certificate ${name}`);
  }
  /** The key of NAME's current certificate (the CA's is ca.key). */
  key(name: string): FileRef {
    return name === 'ca' ? this.caKey : this.file(`keys/${name}.key`, KEY_MODE, `the key of ${name}`);
  }
  /** A key not yet in force: of a pending request, or of a certificate being committed. */
  pendingKey(relative: string): FileRef {
    return this.file(relative, KEY_MODE, 'a pending key');
  }
  /** Every certificate issued, by serial: what `ca show --serial` and revocation by key read. */
  issued(serial: string): FileRef {
    return this.file(`issued/${serial}.crt`, PUBLIC_MODE, `certificate ${serial}`);
  }
  csr(name: string): FileRef {
    return this.file(`csrs/${name}.csr`, PUBLIC_MODE, `request ${name}`);
  }
  profile(name: string): FileRef {
    return this.file(`profiles/${name}.json`, PUBLIC_MODE, `profile ${name}`);
  }
}

/** keys/pending/<id>.key, relative to the store (as the index records it). */
export function pendingKeyPath(id: string): string {
  return `keys/pending/${id}.key`;
}
