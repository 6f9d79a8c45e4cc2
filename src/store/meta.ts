/**
 * store.json: what a store is (SPEC "Store"), validated when read (SPEC "Trust of the store"): a
 * damaged description is refused with what to restore, never half-used.
 */
import { failure } from '../error.js';

export const STORE_FORMAT = 1;

export interface StoreMeta {
  format: number;
  /** the CA's common name */
  name: string;
  /** a UUID made by init; the OU of every certificate */
  clusterId: string;
  createdAt: string;
  /** the CA certificate's lifetime as `init` set it: `ca renew ca` never goes beyond it */
  caLifetime?: { years: number } | { days: number } | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function parseMeta(text: string, path: string): StoreMeta {
  const damaged = (why: string) => failure(`${path} is damaged: ${why}`, 'restore it from a backup');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw damaged((err as Error).message);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw damaged('it is not a JSON object');
  const m = data as Record<string, unknown>;
  if (m.format !== STORE_FORMAT) {
    throw failure(`${path} is not a clusterca store description of format ${STORE_FORMAT}`, 'restore it from a backup');
  }
  if (typeof m.name !== 'string' || m.name.length === 0 || [...m.name].length > 64 || CONTROL.test(m.name)) throw damaged('"name" is not a CA name');
  if (typeof m.clusterId !== 'string' || !UUID.test(m.clusterId)) throw damaged('"clusterId" is not a UUID');
  if (typeof m.createdAt !== 'string' || Number.isNaN(Date.parse(m.createdAt))) throw damaged('"createdAt" is not a date');
  const meta: StoreMeta = { format: STORE_FORMAT, name: m.name, clusterId: m.clusterId, createdAt: m.createdAt };
  if (m.caLifetime !== undefined) meta.caLifetime = lifetime(m.caLifetime, damaged);
  return meta;
}

function lifetime(v: unknown, damaged: (why: string) => Error): StoreMeta['caLifetime'] {
  const l = v as Record<string, unknown> | null;
  const whole = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 3_652_500;
  if (l && typeof l === 'object' && Object.keys(l).length === 1 && whole(l.years)) return { years: l.years as number };
  if (l && typeof l === 'object' && Object.keys(l).length === 1 && whole(l.days)) return { days: l.days as number };
  throw damaged('"caLifetime" is not {"years": N} or {"days": N}');
}
