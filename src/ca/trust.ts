/**
 * `ca trust install|uninstall|status`: the store's trust anchor (the root, for a store made with
 * --parent) in the machine's trust stores (SPEC "Ecosystem"). Each store answers for itself: what
 * it did, that it had nothing to do, why it was skipped, or why it failed.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { CaError } from '../error.js';
import { openStore } from '../store/store.js';
import { javaStore } from '../truststore/java.js';
import { nssStore } from '../truststore/nss.js';
import { systemStore } from '../truststore/system.js';
import type { Anchor, TrustStore } from '../truststore/target.js';
import { readChain, rootOf } from './chain.js';

export type TrustAction = 'install' | 'uninstall' | 'status';
export type TrustTarget = TrustStore['name'];
export const TRUST_TARGETS: readonly TrustTarget[] = ['system', 'nss', 'java'];
const STORES: Record<TrustTarget, TrustStore> = { system: systemStore, nss: nssStore, java: javaStore };

export interface TrustOutcome {
  target: TrustTarget;
  /** done: changed something; unchanged: nothing to do; skipped: not usable here; failed */
  result: 'done' | 'unchanged' | 'skipped' | 'failed' | 'present' | 'absent';
  /** the places, or why it was skipped or failed */
  detail: string[];
}

export async function trustAnchor(storeDir: string): Promise<Anchor & { subject: string; fingerprint: string }> {
  const store = await openStore(storeDir);
  return anchorOf(rootOf(await readChain(store)));
}

/** The anchor a root certificate is installed as: its nickname is made from its CN and hash. */
export function anchorOf(pem: string): Anchor & { subject: string; fingerprint: string } {
  const cert = new X509Certificate(pem);
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1] ?? 'ca';
  const slug = cn.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'ca';
  const hex = createHash('sha256').update(cert.raw).digest('hex');
  return { pem, nickname: `clusterca-${slug}-${hex.slice(0, 8)}`, subject: cert.subject.replace(/\n/g, ', '), fingerprint: cert.fingerprint256 };
}

/**
 * Runs `action` on each target asked for (all three when none is): a target asked for by name that
 * cannot be used here fails; one not asked for is skipped, saying why.
 */
export async function runTrust(action: TrustAction, anchor: Anchor, asked: TrustTarget[]): Promise<TrustOutcome[]> {
  const targets = asked.length ? asked : [...TRUST_TARGETS];
  const outcomes: TrustOutcome[] = [];
  for (const target of targets) {
    const store = STORES[target];
    const why = await store.unavailable();
    if (why) {
      outcomes.push({ target, result: asked.length ? 'failed' : 'skipped', detail: [why] });
      continue;
    }
    try {
      if (action === 'status') {
        const where = await store.installed(anchor);
        outcomes.push({ target, result: where.length ? 'present' : 'absent', detail: where });
        continue;
      }
      const done = action === 'install' ? await store.install(anchor) : await store.uninstall(anchor);
      outcomes.push({ target, result: done.length ? 'done' : 'unchanged', detail: done });
    } catch (err) {
      if (!(err instanceof CaError)) throw err;
      outcomes.push({ target, result: 'failed', detail: [err.hint ? `${err.message}; ${err.hint}` : err.message] });
    }
  }
  return outcomes;
}

/** One target's status for `ca doctor`: skipped, saying why, where its tool or store is missing. */
export async function trustStatus(anchor: Anchor, target: TrustTarget): Promise<TrustOutcome> {
  const why = await STORES[target].unavailable();
  if (why) return { target, result: 'skipped', detail: [why] };
  return (await runTrust('status', anchor, [target]))[0]!;
}
