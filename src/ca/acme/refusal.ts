/**
 * A refusal of the ACME use cases, named by its ACME error type (RFC 8555 6.7); the web front end
 * (server/acme) renders it as a problem document. ca/ may not import server/, so the type is text here.
 */
export type AcmeRefusalType = 'malformed' | 'unauthorized' | 'rejectedIdentifier' | 'unsupportedIdentifier' | 'badCSR' | 'orderNotReady' | 'accountDoesNotExist' | 'connection' | 'dns' | 'tls' | 'incorrectResponse' | 'invalidContact' | 'unsupportedContact' | 'serverInternal' | 'alreadyRevoked' | 'badRevocationReason' | 'rateLimited';

export class AcmeRefusal extends Error {
  constructor(
    readonly type: AcmeRefusalType,
    detail: string,
    /** 404 for a resource that does not exist, else the type's own */
    readonly status?: number,
    /** rateLimited: the seconds after which asking again may succeed (Retry-After) */
    readonly retryAfter?: number,
  ) {
    super(detail);
    this.name = 'AcmeRefusal';
  }
}
