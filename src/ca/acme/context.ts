/**
 * What the ACME use cases work with (ca/acme/accounts.ts, orders.ts): the CA service, the ACME
 * state, and the server's policy (--acme-allow, --acme-profile, --acme-days, --acme-eab) and
 * validation options.
 */
import type { NameConstraints } from '../../pki/constraints.js';
import type { Service } from '../service.js';
import type { AcmeState } from './state.js';
import type { ValidationOptions } from './validation.js';

export interface Acme {
  service: Service;
  state: AcmeState;
  allow: NameConstraints[];
  profile: string;
  days: number;
  validation: ValidationOptions;
  /** --acme-eab: every new account must be bound to an ACME token (RFC 8555 7.3.4) */
  requireBinding?: boolean | undefined;
}
