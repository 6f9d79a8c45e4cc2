/**
 * Who may do what on `ca serve` (SPEC "Online CA"), as one table the server asks and the tests read:
 * each route names the kinds of caller it admits. A caller is anonymous, an administrator (a client
 * certificate of this CA with profile `admin`), the holder of a certificate of this CA (a client
 * certificate in force), or the bearer of an enrollment token.
 */
import { denied, unauthenticated } from '../error.js';

export type Caller = 'anonymous' | 'admin' | 'holder' | 'token';
export type Route = 'versions' | 'health' | 'ca' | 'crl' | 'sign' | 'renew' | 'revoke' | 'certificates';

export const POLICY: Readonly<Record<Route, readonly Caller[]>> = {
  versions: ['anonymous', 'admin', 'holder', 'token'],
  health: ['anonymous', 'admin', 'holder', 'token'],
  ca: ['anonymous', 'admin', 'holder', 'token'],
  crl: ['anonymous', 'admin', 'holder', 'token'],
  // An administrator signs for any profile; a token only what it allows (checked when it is redeemed).
  sign: ['admin', 'token'],
  // A certificate renews itself (an administrator's too).
  renew: ['holder', 'admin'],
  revoke: ['admin'],
  certificates: ['admin'],
};

/** 401 when the caller brought no credential this route accepts, 403 when theirs is not enough. */
export function authorize(route: Route, caller: Caller): void {
  if (POLICY[route].includes(caller)) return;
  if (caller === 'anonymous') {
    const how = POLICY[route].filter((c) => c !== 'anonymous').map(describe).join(' or ');
    throw unauthenticated(`${route} needs ${how}`);
  }
  throw denied(`${describe(caller)} may not ${route}`, `${route} is for ${POLICY[route].map(describe).join(' or ')}`);
}

function describe(c: Caller): string {
  return { anonymous: 'anyone', admin: "an administrator's client certificate", holder: 'a client certificate of this CA', token: 'an enrollment token' }[c];
}
