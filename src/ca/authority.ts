/** Opening the CA: its certificate and its key, checked to belong together and to be able to sign. */
import type { KeyObject } from 'node:crypto';
import { CaError, failure } from '../error.js';
import { decodePrivateKey, isEncryptedPem } from '../pki/key.js';
import { subjectOf, type Subject } from '../pki/subject.js';
import { openCertificate, type ParsedCertificate } from '../pki/x509.js';
import type { NameConstraints } from '../pki/constraints.js';
import type { CaStore } from '../store/store.js';
import { constraintsOf, readChain, type CaChain } from './chain.js';

export interface Authority {
  certPem: string;
  certificate: ParsedCertificate;
  subject: Subject;
  key: KeyObject;
  notAfter: Date;
  /** this CA and the certificates above it */
  chain: CaChain;
  /** every name constraint on the chain (SPEC: nothing is issued outside them) */
  constraints: NameConstraints[];
}

/**
 * A passphrase asked for only when the key turns out to be encrypted, so an unencrypted store never
 * prompts. The CLI supplies it (flag, file, env or prompt); this layer never prompts itself.
 */
export type PassphraseSource = (() => Promise<string | undefined>) & {
  /** a person typed it: after a wrong one, asks again (undefined: no more tries) */
  again?: () => Promise<string | undefined>;
};

/** A wrong passphrase typed at a prompt is asked for again, this many times in all (as sudo). */
const PROMPT_TRIES = 3;

export async function unlockKey(pem: string, passphrase: PassphraseSource | undefined, what: string, sources: string, path?: string) {
  if (!isEncryptedPem(pem)) return decodePrivateKey(pem, undefined, what, sources, path);
  let secret = await passphrase?.();
  for (let tries = 1; ; tries++) {
    try {
      return decodePrivateKey(pem, secret, what, sources, path);
    } catch (err) {
      const typed = passphrase?.again;
      if (!typed || tries >= PROMPT_TRIES || secret === undefined || !(err instanceof CaError && /^wrong passphrase/.test(err.message))) throw err;
      // Only a passphrase a person typed is asked again; one from a flag, file or variable is not.
      const next = await typed();
      if (next === undefined) throw err;
      secret = next;
    }
  }
}

export const CA_PASSPHRASE_SOURCES = '--ca-passphrase, --ca-passphrase-file or CA_PASSPHRASE';

export interface OpenOptions {
  /** the time signing happens at: the CA must be valid then */
  now: Date;
  /** `ca renew ca`: an expired CA certificate may be renewed with its own key */
  allowExpired?: boolean;
  /** where the passphrase comes from, for messages (default: the CA passphrase flags) */
  sources?: string;
  /** checks on the CA certificate, made before the key is unlocked (no prompt for a CA that cannot serve) */
  check?: (ca: Omit<Authority, 'key'>) => void;
}

export async function openAuthority(store: CaStore, passphrase: PassphraseSource | undefined, options: OpenOptions): Promise<Authority> {
  const certPath = store.describe('ca certificate');
  const certPem = await store.readCaCertificate();
  const { x509, parsed } = openCertificate(certPem, certPath);
  // RFC 5280 6.1.4 (k), (n): only a certificate with cA and keyCertSign may issue. A leaf put in
  // place of ca.crt would otherwise sign certificates that no verifier accepts.
  if (!parsed.isCa || !parsed.keyUsage.includes('keyCertSign')) {
    throw failure(`${certPath} is not a CA certificate (no basicConstraints CA:TRUE with keyCertSign)`, 'restore the CA certificate from a backup');
  }
  const notAfter = new Date(x509.validTo);
  if (!options.allowExpired && options.now.getTime() > notAfter.getTime()) {
    throw failure(`the CA certificate expired on ${notAfter.toISOString()}`, 'renew it with `ca renew ca` (same key: what it issued keeps verifying)');
  }
  if (options.now.getTime() < new Date(x509.validFrom).getTime()) {
    throw failure(`the CA certificate is not valid before ${new Date(x509.validFrom).toISOString()}`, "check this machine's clock");
  }
  const chain = await readChain(store);
  const ca = { certPem, certificate: parsed, subject: subjectOf(parsed.subject), notAfter, chain, constraints: constraintsOf(chain, store.describe('chain')) };
  options.check?.(ca);
  const keyPath = store.describe('ca key');
  const keyPem = await store.readCaKey();
  const key = await unlockKey(keyPem, passphrase, 'the CA key', options.sources ?? CA_PASSPHRASE_SOURCES, keyPath);
  if (!x509.checkPrivateKey(key)) {
    throw failure(`${keyPath} is not the key of ${certPath}`, 'restore the matching pair from a backup');
  }
  return { ...ca, key };
}
