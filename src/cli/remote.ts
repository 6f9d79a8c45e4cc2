/**
 * The remote commands' conversations with `ca serve` (SPEC "Online CA", clients): enroll with a
 * token, renew with the certificate itself, sign a request as an administrator or with a token
 * (Magnum's ca-sign), fetch the CA (ca-show). Trust comes first (http-client.ts); the local work
 * (keys, checks, files) is ca/remote.ts's.
 */
import { hostname } from 'node:os';
import { failure } from '../error.js';
import type { KeySpec } from '../pki/key-type.js';
import { validateName } from '../pki/name.js';
import { call, establishTrust, parseFingerprint, parseServerUrl, refusal, type Answer, type Trust } from './http-client.js';

export interface EnrollArgs {
  server: string;
  fingerprint: string;
  token: string;
  name?: string | undefined;
  outDir: string;
  keySpec: KeySpec;
  force: boolean;
}

export interface Enrolled {
  name: string;
  serial: string;
  notAfter: string;
  paths: string[];
}

export async function enroll(a: EnrollArgs): Promise<Enrolled> {
  const { newKeyAndRequest, acceptIssued, checkEnrollOutputs, writeEnrolled } = await import('../ca/remote.js');
  const base = parseServerUrl(a.server);
  const trust = await establishTrust(base, { fingerprint: parseFingerprint(a.fingerprint) });
  // The token is spent by the server's answer: everything that could stop us writing is checked first.
  const out = await checkEnrollOutputs(a.outDir, a.name, trust.root, a.force);
  const made = await newKeyAndRequest(a.keySpec, a.name ?? safeHostname());
  const body = JSON.stringify({ csr: made.csrPem, ...(a.name ? { name: a.name } : {}) });
  const answer = await call(base, '/v1/sign', {
    method: 'POST',
    body,
    root: trust.root,
    anchor: trust.anchor,
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${a.token}` },
  });
  const issued = issuedBy<{ name: string; serial: string; notAfter: string; certificate: string }>(base, answer, 'the enrollment');
  const { presented } = acceptIssued(issued.certificate, trust, made.key, base.origin);
  // The name becomes file names in --out: it must be a name, and the one asked for if one was.
  const name = answeredName(base, issued.name, a.name);
  const paths = await writeEnrolled(out, name, { presented, keyPem: made.keyPem, root: trust.root }, a.force);
  return { name: issued.name, serial: issued.serial, notAfter: issued.notAfter, paths };
}

export interface RenewRemoteArgs {
  server: string;
  cert: string;
  key: string;
  newKey: boolean;
  keySpec?: KeySpec | undefined;
}

export async function renewRemote(a: RenewRemoteArgs): Promise<{ serial: string; notAfter: string; newKey: boolean }> {
  const { newKeyAndRequest, acceptIssued, readHeld, replaceHeld } = await import('../ca/remote.js');
  const base = parseServerUrl(a.server);
  const held = await readHeld(a.cert, a.key);
  const auth = { cert: held.certPem, key: held.keyPem };
  // The CA to trust is the one that issued the certificate being renewed.
  const trust = await establishTrust(base, { issuerOf: held.certPem });
  const spec = a.keySpec ?? held.spec;
  if (a.newKey && !spec) throw failure('the key held is of a type this client cannot make again', 'give --key-type');
  const fresh = a.newKey ? await newKeyAndRequest(spec!, 'renewal') : undefined;
  const answer = await call(base, '/v1/renew', {
    method: 'POST',
    root: trust.root,
    anchor: trust.anchor,
    ...auth,
    body: fresh?.csrPem ?? '',
    headers: { 'content-type': 'application/pkcs10', accept: 'application/json' },
  });
  const issued = issuedBy<{ serial: string; notAfter: string; certificate: string }>(base, answer, 'the renewal');
  const { presented } = acceptIssued(issued.certificate, trust, fresh?.key ?? held.key, base.origin);
  await replaceHeld(a.cert, presented, a.key, fresh?.keyPem);
  return { serial: issued.serial, notAfter: issued.notAfter, newKey: Boolean(fresh) };
}

export interface SignRemoteArgs {
  server: string;
  csr: Buffer;
  cert?: string | undefined;
  key?: string | undefined;
  token?: string | undefined;
  fingerprint?: string | undefined;
  profile?: string | undefined;
  name?: string | undefined;
  days?: number | undefined;
}

/** Magnum's `ca-sign`: the certificate chain for a request made elsewhere. */
export async function signRemote(a: SignRemoteArgs): Promise<{ chain: string; name: string; serial: string; warnings: string[] }> {
  const base = parseServerUrl(a.server);
  const { readHeld } = await import('../ca/remote.js');
  const held = a.cert !== undefined && a.key !== undefined ? await readHeld(a.cert, a.key) : undefined;
  const auth = held ? { cert: held.certPem, key: held.keyPem } : {};
  const trust = await trustFor(base, a.fingerprint, held?.certPem);
  const body = JSON.stringify({ csr: a.csr.toString('utf8'), profile: a.profile, name: a.name, days: a.days });
  const answer = await call(base, '/v1/sign', {
    method: 'POST',
    body,
    root: trust.root,
    anchor: trust.anchor,
    ...auth,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(a.token ? { authorization: `Bearer ${a.token}` } : {}) },
  });
  const issued = issuedBy<{ name: string; serial: string; certificate: string; warnings?: unknown }>(base, answer, 'to sign');
  // What the server did not take of the request (a token's certificate is named by the token).
  const warnings = Array.isArray(issued.warnings) ? issued.warnings.filter((w): w is string => typeof w === 'string').slice(0, 10) : [];
  return { chain: issued.certificate, name: issued.name, serial: issued.serial, warnings };
}

/** The server's JSON answer to a request for a certificate, or its refusal as the error. */
function issuedBy<T extends { certificate: string }>(base: URL, answer: Answer, refused: string): T {
  if (answer.status !== 200) throw failure(`${base.origin} refused ${refused}: ${refusal(answer)}`);
  let issued: T;
  try {
    issued = JSON.parse(answer.body.toString('utf8')) as T;
  } catch {
    throw failure(`${base.origin} answered ${refused} with something that is not JSON`, 'is --server a `ca serve`?');
  }
  if (typeof issued?.certificate !== 'string') throw failure(`${base.origin} answered ${refused} without a certificate`, 'is --server a `ca serve`?');
  return issued;
}

function answeredName(base: URL, answered: unknown, asked: string | undefined): string {
  let name: string;
  try {
    name = validateName(answered);
  } catch {
    throw failure(`${base.origin} answered the enrollment with an invalid name ${JSON.stringify(answered)}`);
  }
  if (asked !== undefined && name !== asked) throw failure(`${base.origin} answered the enrollment for ${name}, not ${asked}`);
  return name;
}

/** Magnum's `ca-show`: the CA's trust anchor, once its fingerprint checks out. */
export async function fetchCa(server: string, fingerprint: string): Promise<Trust> {
  return establishTrust(parseServerUrl(server), { fingerprint: parseFingerprint(fingerprint) });
}

function trustFor(base: URL, fingerprint: string | undefined, certPem: string | undefined): Promise<Trust> {
  if (fingerprint !== undefined) return establishTrust(base, { fingerprint: parseFingerprint(fingerprint) });
  if (certPem !== undefined) return establishTrust(base, { issuerOf: certPem });
  throw failure('nothing to trust the server by', 'give --fingerprint (the CA\'s SHA-256, `ca show ca`), or --cert and --key of an administrator');
}

/** A CN for a request when no name is given: this host's name, as a valid store name. */
function safeHostname(): string {
  const h = hostname().split('.')[0]!.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (h || 'node').slice(0, 64);
}
