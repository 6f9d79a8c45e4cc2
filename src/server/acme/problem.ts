/**
 * ACME's problem documents (RFC 8555 6.7, RFC 7807): an error type under
 * `urn:ietf:params:acme:error:`, a detail for people, the HTTP status, and for badSignatureAlgorithm
 * the algorithms the server takes (6.7.1 asks for them so a client can pick another). Every ACME
 * refusal is an AcmeProblem; `problemFromError` is the one place a CaError becomes one.
 */
import { CaError } from '../../error.js';

/** The statuses follow Boulder and Pebble, which certbot and lego are written against. */
export const PROBLEM_STATUS = {
  badNonce: 400,
  badSignatureAlgorithm: 400,
  malformed: 400,
  unauthorized: 403,
  accountDoesNotExist: 400,
  rejectedIdentifier: 400,
  badCSR: 400,
  orderNotReady: 403,
  rateLimited: 429,
  serverInternal: 500,
  unsupportedIdentifier: 400,
  externalAccountRequired: 400,
  badPublicKey: 400,
  alreadyRevoked: 400,
  badRevocationReason: 400,
  invalidContact: 400,
  unsupportedContact: 400,
  caa: 403,
  dns: 400,
  connection: 400,
  tls: 400,
  incorrectResponse: 403,
  compound: 403,
} as const;

export type ProblemType = keyof typeof PROBLEM_STATUS;

export const PROBLEM_URN = 'urn:ietf:params:acme:error:';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A problem about one identifier of a request with several (RFC 8555 6.7.1). */
export interface Subproblem {
  type: ProblemType;
  detail: string;
  identifier: { type: string; value: string };
}

export interface ProblemDocument {
  type: string;
  detail: string;
  status: number;
  algorithms?: string[];
  subproblems?: { type: string; detail: string; identifier: { type: string; value: string } }[];
}

export interface ProblemOptions {
  /** the status when it is not the type's own (404 for a malformed request to nothing, 409 for a conflict) */
  status?: number;
  /** badSignatureAlgorithm: the `alg` values accepted */
  algorithms?: readonly string[];
  subproblems?: readonly Subproblem[];
  /** rateLimited: seconds to wait, sent as Retry-After (RFC 8555 6.6) */
  retryAfter?: number;
}

export class AcmeProblem extends Error {
  readonly type: ProblemType;
  readonly status: number;
  readonly algorithms: readonly string[] | undefined;
  readonly subproblems: readonly Subproblem[] | undefined;
  readonly retryAfter: number | undefined;

  constructor(type: ProblemType, detail: string, options: ProblemOptions = {}) {
    super(detail);
    this.name = 'AcmeProblem';
    this.type = type;
    this.status = options.status ?? PROBLEM_STATUS[type];
    this.algorithms = options.algorithms;
    this.subproblems = options.subproblems;
    this.retryAfter = options.retryAfter;
  }

  document(): ProblemDocument {
    const doc: ProblemDocument = { type: PROBLEM_URN + this.type, detail: this.message, status: this.status };
    if (this.algorithms) doc.algorithms = [...this.algorithms];
    if (this.subproblems) {
      doc.subproblems = this.subproblems.map((s) => ({ type: PROBLEM_URN + s.type, detail: s.detail, identifier: { ...s.identifier } }));
    }
    return doc;
  }
}

/** What a route sends: the status, the content type and the body of the problem document. */
export function renderProblem(problem: AcmeProblem): { status: number; contentType: string; body: string } {
  return { status: problem.status, contentType: PROBLEM_CONTENT_TYPE, body: `${JSON.stringify(problem.document())}\n` };
}

/**
 * The problem an error is answered with. A CaError keeps its message (and hint) and its refusal:
 * unauthenticated and denied are `unauthorized` (RFC 8555 6.7 has no 401 type), missing is
 * `malformed` with 404 and a --force conflict `malformed` with 409 (as Boulder answers both);
 * any other CaError is about what was sent, so `refused` (malformed unless the route knows better,
 * e.g. badCSR at finalize). Anything else is the server's own failure, told without its details.
 */
export function problemFromError(err: unknown, refused: ProblemType = 'malformed'): AcmeProblem {
  if (err instanceof AcmeProblem) return err;
  if (!(err instanceof CaError)) return new AcmeProblem('serverInternal', 'the server failed; see its log');
  const detail = err.hint ? `${err.message}; ${err.hint}` : err.message;
  if (err.refusal === 'unauthenticated' || err.refusal === 'denied') return new AcmeProblem('unauthorized', detail);
  if (err.refusal === 'missing') return new AcmeProblem('malformed', detail, { status: 404 });
  if (err.needsForce) return new AcmeProblem('malformed', detail, { status: 409 });
  return new AcmeProblem(refused, detail);
}
