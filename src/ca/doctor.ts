/**
 * `ca doctor`: the store's health, one finding per line, each `ok`, `warn` or `fail` with the command
 * or action that fixes it. It reads the store as store/survey.ts does (no trust check, no lock, no
 * passphrase, no write), so it examines exactly the stores other commands refuse, and says why.
 * A `fail` is what breaks the cluster or makes other commands refuse (a store others can write, an
 * expired CA, a CRL past its nextUpdate, a damaged index); a `warn` is what will, or what weakens
 * it (expiring certificates, keys stored unencrypted under an encrypted CA).
 */
import { resolve } from 'node:path';
import { CaError } from '../error.js';
import { describeCrl } from '../pki/crl-description.js';
import { describeCertificate } from '../pki/describe.js';
import { splitPemCertificates } from '../pki/x509.js';
import type { Index } from '../store/index-file.js';
import { surveyStore, type StoreSurvey } from '../store/survey.js';
import { needingAttention } from './inspect.js';
import { anchorOf, trustStatus } from './trust.js';

export type CheckState = 'ok' | 'warn' | 'fail';

export interface Check {
  name: string;
  state: CheckState;
  message: string;
  fix: string | null;
}

export interface DoctorReport {
  store: string;
  checks: Check[];
  ok: boolean;
}

/** A CRL due within this many days is warned of: `ca crl` writes one valid for 30 (DEFAULT_CRL_DAYS). */
const CRL_DUE_DAYS = 7;
const DAY = 86_400_000;

const check = (name: string, state: CheckState, message: string, fix: string | null = null): Check => ({ name, state, message, fix });

export interface DoctorRequest {
  storeDir: string;
  now: Date;
  withinDays: number;
  /** the store as the user named it with --store: every `ca …` fix names it too */
  storeFlag?: string | undefined;
}

export async function examineStore(req: DoctorRequest): Promise<DoctorReport> {
  const checks = await allChecks(req);
  const store = req.storeFlag;
  const named = store === undefined ? checks : checks.map((c) => ({ ...c, message: withStore(c.message, store), fix: c.fix && withStore(c.fix, store) }));
  return { store: resolve(req.storeDir), checks: named, ok: checks.every((c) => c.state !== 'fail') };
}

/** `ca crl` → `ca crl --store prod`, wherever a fix names a ca command. */
function withStore(fix: string, store: string): string {
  const quoted = /^[\w./-]+$/.test(store) ? store : `'${store.replace(/'/g, `'\\''`)}'`;
  return fix.replace(/(^|`|\(|, then |: )ca (init|crl|renew|export|trust)\b/g, `$1ca $2 --store ${quoted}`);
}

async function allChecks(req: DoctorRequest): Promise<Check[]> {
  let survey: StoreSurvey;
  try {
    survey = await surveyStore(req.storeDir);
  } catch (err) {
    if (!(err instanceof CaError)) throw err;
    return [check('store', 'fail', err.message, err.hint ?? null)];
  }
  const index = survey.index instanceof CaError ? undefined : survey.index;
  const checks = [
    check('store', 'ok', `${survey.dir}: the CA "${survey.meta.name}"`),
    ...permissions(survey),
    ...indexChecks(survey),
    ...caChecks(survey, req.now, req.withinDays),
    ...(index ? crlChecks(survey, index, req.now) : []),
    ...keyChecks(survey),
    ...(await trustChecks(survey)),
    ...(index ? certificateChecks(index, req.now, req.withinDays) : []),
  ];
  return checks;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** store/trust.ts's refusals, and key files that others can read (readKeyRef refuses those). */
function permissions(s: StoreSurvey): Check[] {
  const found = s.trust.map((p) => check('permissions', 'fail', p.message, p.hint?.replace(/^run: /, '') ?? null));
  const keys = [...(s.caKey && !(s.caKey instanceof CaError) ? [{ path: 'ca.key', mode: s.caKey.mode }] : []), ...s.keys];
  for (const k of keys.filter((key) => key.mode & 0o077)) {
    const path = `${s.dir}/${k.path}`;
    found.push(check('permissions', 'fail', `the key ${path} is readable by others (mode ${k.mode.toString(8).padStart(4, '0')})`, `chmod 600 ${path}, and replace the key if it may have been read`));
  }
  return found.length ? found : [check('permissions', 'ok', 'the store and its keys are yours, and no one else can write to the store or read a key')];
}

function indexChecks(s: StoreSurvey): Check[] {
  if (s.index instanceof CaError) return [check('index', 'fail', s.index.message, s.index.hint ?? 'restore index.json and journal.jsonl from a backup')];
  const checks = [check('index', 'ok', `readable: ${plural(s.index.certificates.length + (s.index.archived ?? 0), 'certificate', 'certificates')} issued, ${plural(s.index.requests.length, 'pending request', 'pending requests')}`)];
  if (s.index.version === 1) checks.push(check('index', 'warn', 'the index is of clusterca 0.1 (format 1)', 'nothing to do: the next command that changes the store upgrades it'));
  if (s.journalTorn) checks.push(check('index', 'warn', "the journal's last line was cut short (a change interrupted by a crash; it did not happen)", 'nothing to do: the next change removes it'));
  return checks;
}

function caChecks(s: StoreSurvey, now: Date, within: number): Check[] {
  const renew = s.chain ? 'ca renew ca --parent PARENT-STORE' : 'ca renew ca';
  if (s.caCertificate instanceof CaError) return [check('ca certificate', 'fail', s.caCertificate.message, s.caCertificate.hint ?? null)];
  const checks = [expiry('ca certificate', 'the CA certificate', s.caCertificate, now, within, renew)];
  const above = s.chain ? splitPemCertificates(s.chain) : [];
  above.forEach((pem, i) => {
    const fix = 'renew it in the store that holds it, then this CA: ca renew ca --parent PARENT-STORE';
    checks.push(expiry('chain', i === above.length - 1 ? 'the root CA' : `the CA ${i + 1} above this one`, pem, now, within, fix));
  });
  return checks;
}

function expiry(name: string, what: string, pem: string, now: Date, within: number, fix: string): Check {
  try {
    const d = describeCertificate(pem, now, what);
    const label = `${what} (${d.subject})`;
    if (d.daysLeft <= 0) return check(name, 'fail', `${label} expired on ${d.notAfter}: nothing it issued verifies`, fix);
    if (d.daysLeft <= within) return check(name, 'warn', `${label} expires in ${d.daysLeft} days (${d.notAfter})`, fix);
    return check(name, 'ok', `${label} is valid until ${d.notAfter} (${d.daysLeft} days)`);
  } catch (err) {
    if (!(err instanceof CaError)) throw err;
    return check(name, 'fail', err.message, 'restore it from a backup');
  }
}

function crlChecks(s: StoreSurvey, index: Index, now: Date): Check[] {
  const revoked = index.certificates.filter((e) => e.status === 'revoked');
  if (!s.crl) {
    if (revoked.length === 0) return [check('crl', 'ok', 'no CRL written yet, and nothing is revoked')];
    return [check('crl', 'warn', `${plural(revoked.length, 'certificate is', 'certificates are')} revoked but no CRL was written`, 'ca crl, then publish crl.pem where clients fetch it')];
  }
  let crl;
  try {
    crl = describeCrl(s.crl);
  } catch (err) {
    return [check('crl', 'fail', `the CRL ${s.dir}/crl.der is damaged (${(err as Error).message})`, 'ca crl')];
  }
  const listed = new Set(crl.revoked.map((r) => r.serial));
  const missing = revoked.filter((e) => !listed.has(e.serial));
  const next = crl.nextUpdate ? new Date(crl.nextUpdate) : undefined;
  if (next && next <= now) return [check('crl', 'fail', `the CRL's next update was due ${crl.nextUpdate}: clients that check it now refuse every certificate`, 'ca crl, then publish crl.pem')];
  if (missing.length) return [check('crl', 'warn', `the CRL does not list ${plural(missing.length, 'revoked certificate', 'revoked certificates')} (${missing.map((e) => e.name).join(', ')})`, 'ca crl, then publish crl.pem')];
  if (next && next.getTime() - now.getTime() <= CRL_DUE_DAYS * DAY) return [check('crl', 'warn', `the CRL's next update is due ${crl.nextUpdate}`, 'ca crl, then publish crl.pem')];
  return [check('crl', 'ok', `number ${crl.number ?? '-'}, lists ${crl.revoked.length} revoked, next update ${crl.nextUpdate ?? '-'}`)];
}

/** Keys written in the clear beside a CA key that is encrypted: a copy of the store gives them away. */
function keyChecks(s: StoreSurvey): Check[] {
  if (s.caKey === undefined) return [check('keys', 'fail', `the CA key is missing: ${s.dir}/ca.key does not exist`, 'restore it from a backup')];
  if (s.caKey instanceof CaError) return [check('keys', 'fail', s.caKey.message, s.caKey.hint ?? null)];
  if (!s.caKey.encrypted) return [check('keys', 'ok', `the CA key is not encrypted; ${plural(s.keys.length, 'key is', 'keys are')} stored`)];
  const plain = s.keys.filter((k) => !k.encrypted).map((k) => k.path);
  if (plain.length === 0) return [check('keys', 'ok', `the CA key and the ${plural(s.keys.length, 'key', 'keys')} stored are encrypted`)];
  const names = plain.map((p) => /^keys\/([^/]+)\.key$/.exec(p)?.[1]).filter((n) => n !== undefined);
  const who = names.length === 1 ? names[0] : 'NAME';
  return [
    check(
      'keys',
      'warn',
      `the CA key is encrypted but ${plural(plain.length, 'key is', 'keys are')} stored unencrypted: ${plain.join(', ')}`,
      `ca renew --new-key --passphrase-file FILE ${who}${names.length > 1 ? ' for each' : ''} (a new, encrypted key), or make keys where they are used and sign their CSRs`,
    ),
  ];
}

/** Whether this machine trusts the CA; a missing tool or store is said, not failed. */
async function trustChecks(s: StoreSurvey): Promise<Check[]> {
  if (s.caCertificate instanceof CaError) return [];
  const root = s.chain ? (splitPemCertificates(s.chain).at(-1) ?? s.caCertificate) : s.caCertificate;
  let outcome;
  try {
    outcome = await trustStatus(anchorOf(root), 'system');
  } catch {
    return [];
  }
  if (outcome.result === 'present') return [check('trust store', 'ok', `the CA is in the system trust store (${outcome.detail.join(', ')})`)];
  if (outcome.result === 'absent') return [check('trust store', 'ok', "the CA is not in the system trust store: this machine's programs do not trust it (ca trust install, if they should)")];
  return [check('trust store', 'ok', `the system trust store was not checked: ${outcome.detail.join('; ')}`)];
}

function certificateChecks(index: Index, now: Date, within: number): Check[] {
  const due = needingAttention(index, now, within);
  if (due.length === 0) return [check('certificates', 'ok', `none expires within ${within} days`)];
  return due.map((e) =>
    check(
      'certificates',
      'warn',
      e.state === 'expired' ? `${e.name} expired on ${e.notAfter}` : `${e.name} expires in ${e.daysLeft} days (${e.notAfter})`,
      `ca renew ${e.name}`,
    ),
  );
}
