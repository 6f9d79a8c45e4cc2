/**
 * What a shell completes from the store: certificate names, pending requests and profiles. Never
 * an error: a completion without a store, or with a damaged one, simply offers nothing from it.
 */
import { profileNames } from '../store/profiles.js';
import { openStore } from '../store/store.js';

export interface StoreNames {
  certificates: string[];
  requests: string[];
  profiles: string[];
}

export async function storeNames(storeDir: string): Promise<StoreNames> {
  const profiles = (await profileNames(storeDir).catch(() => [] as string[])).filter((n) => n !== 'ca' && n !== 'intermediate');
  try {
    const index = await (await openStore(storeDir)).readIndex();
    const certificates = [...new Set(index.certificates.filter((e) => e.name !== 'ca').map((e) => e.name))].sort();
    return { certificates, requests: index.requests.map((r) => r.name).sort(), profiles };
  } catch {
    return { certificates: [], requests: [], profiles };
  }
}
