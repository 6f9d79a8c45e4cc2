/**
 * The CA certificates of a store: its own CA (ca.crt, the one that signs) and, for a store made with
 * `init --parent`, the certificates above it (chain.pem, its issuer first, the root last). What a
 * TLS server presents is its certificate and the intermediates; the root is the trust anchor its
 * peers hold (RFC 8446 4.4.2: the root may be left out).
 */
import { failure } from '../error.js';
import type { NameConstraints } from '../pki/constraints.js';
import { openCertificate, splitPemCertificates } from '../pki/x509.js';
import type { CaStore } from '../store/store.js';

export interface CaChain {
  /** the store's CA certificate, PEM */
  ca: string;
  /** the certificates above it, issuer first, root last; empty for a root store */
  above: string[];
}

export async function readChain(store: CaStore): Promise<CaChain> {
  const ca = await store.readCaCertificate();
  const text = await store.readChain();
  if (text === undefined) return { ca, above: [] };
  const above = splitPemCertificates(text);
  if (above.length === 0) throw failure(`${store.describe('chain')} holds no certificate`, 'restore it from a backup');
  return { ca, above };
}

/** The trust anchor: the root at the top of the chain. */
export function rootOf(chain: CaChain): string {
  return chain.above.length ? chain.above[chain.above.length - 1]! : chain.ca;
}

/** What a server sends after its own certificate: every CA certificate but the root. */
export function intermediatesOf(chain: CaChain): string[] {
  return chain.above.length ? [chain.ca, ...chain.above.slice(0, -1)] : [];
}

/** The name constraints of every CA certificate in the chain: a certificate must satisfy them all. */
export function constraintsOf(chain: CaChain, source: string): NameConstraints[] {
  return [chain.ca, ...chain.above].flatMap((pem) => openCertificate(pem, source).parsed.nameConstraints ?? []);
}
