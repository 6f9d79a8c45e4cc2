/**
 * What a file handed to `ca inspect` holds, told by its content, never by its name: PEM blocks by
 * their labels (RFC 7468), else one DER object by its structure. Certificates, requests, CRLs and
 * private keys are recognised; PKCS#12 is recognised here and opened by export/p12-reader.ts once
 * the password is known. Private keys are reported by type and whether they are encrypted, never by
 * their contents.
 */
import { createPrivateKey } from 'node:crypto';
import { describeCrl } from './crl-description.js';
import { describeRequest, keyLabel } from './request-description.js';
import { parseCertificate } from './x509.js';

export interface FoundKey {
  /** "RSA 2048", "ECDSA P-256", "Ed25519"; "unknown" for an encrypted key (its type is inside) */
  key: string;
  encrypted: boolean;
}

export interface FoundContent {
  format: 'PEM' | 'DER';
  certificates: Buffer[];
  requests: Buffer[];
  crls: Buffer[];
  keys: FoundKey[];
}

const REQUEST_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

/** PEM blocks, else one DER object; undefined when it is none of the kinds above (or PKCS#12). */
export function sortContent(bytes: Buffer): FoundContent | undefined {
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN ')) return pemContent(text);
  return derContent(bytes);
}

function pemContent(text: string): FoundContent | undefined {
  const found: FoundContent = { format: 'PEM', certificates: [], requests: [], crls: [], keys: [] };
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const [block, label, body] of text.matchAll(re)) {
    const der = Buffer.from(body!.replace(/^[A-Za-z-]+:.*$/gm, '').replace(/\s+/g, ''), 'base64');
    if (label === 'CERTIFICATE') found.certificates.push(der);
    else if (REQUEST_LABELS.has(label!)) found.requests.push(der);
    else if (label === 'X509 CRL') found.crls.push(der);
    else if (KEY_LABELS.has(label!)) found.keys.push(pemKey(block, label!));
  }
  const any = found.certificates.length + found.requests.length + found.crls.length + found.keys.length;
  return any > 0 ? found : undefined;
}

/** An encrypted key (PKCS#8, or OpenSSL's traditional Proc-Type) is not decrypted: no passphrase is asked for it. */
function pemKey(block: string, label: string): FoundKey {
  if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(block)) return { key: 'unknown', encrypted: true };
  try {
    return { key: keyLabel(createPrivateKey(block)), encrypted: false };
  } catch {
    return { key: 'unreadable', encrypted: false };
  }
}

function derContent(der: Buffer): FoundContent | undefined {
  const found: FoundContent = { format: 'DER', certificates: [], requests: [], crls: [], keys: [] };
  if (succeeds(() => parseCertificate(der))) found.certificates.push(der);
  else if (succeeds(() => describeCrl(der))) found.crls.push(der);
  else if (succeeds(() => describeRequest(der))) found.requests.push(der);
  else {
    const key = derKey(der);
    if (!key) return undefined;
    found.keys.push(key);
  }
  return found;
}

function derKey(der: Buffer): FoundKey | undefined {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return { key: keyLabel(createPrivateKey({ key: der, format: 'der', type })), encrypted: false };
    } catch {
      // not this encoding
    }
  }
  return undefined;
}

function succeeds(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}
