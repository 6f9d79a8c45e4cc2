/** Opening the CA: its certificate and its key, checked to belong together. */
import type { KeyObject } from 'node:crypto';
import { failure } from '../error.js';
import { keyMatchesCertificate, readCertificate } from '../pki/certificate.js';
import { decodePrivateKey, isEncryptedPem } from '../pki/key.js';
import type { Store } from '../store/store.js';

export interface Authority {
  certPem: string;
  key: KeyObject;
  notAfter: Date;
}

/**
 * A passphrase asked for only when the key turns out to be encrypted, so an unencrypted store never
 * prompts. The CLI supplies it (flag, file, env or prompt); this layer never prompts itself.
 */
export type PassphraseSource = () => Promise<string | undefined>;

export async function unlockKey(pem: string, passphrase: PassphraseSource | undefined, what: string, sources: string, path?: string) {
  const secret = isEncryptedPem(pem) ? await passphrase?.() : undefined;
  return decodePrivateKey(pem, secret, what, sources, path);
}

export const CA_PASSPHRASE_SOURCES = '--ca-passphrase, --ca-passphrase-file or CA_PASSPHRASE';

export async function openAuthority(store: Store, passphrase: PassphraseSource | undefined): Promise<Authority> {
  const certPem = await store.read(store.caCert);
  const cert = readCertificate(certPem, store.caCert.path);
  const keyPem = await store.readKey(store.caKey);
  const key = await unlockKey(keyPem, passphrase, 'the CA key', CA_PASSPHRASE_SOURCES, store.caKey.path);
  if (!keyMatchesCertificate(certPem, key)) {
    throw failure(`${store.caKey.path} is not the key of ${store.caCert.path}`, 'restore the matching pair from a backup');
  }
  return { certPem, key, notAfter: new Date(cert.validTo) };
}
