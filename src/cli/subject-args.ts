/** Subject flags (--common-name, --organization, --country) checked into a Subject. */
import { parseCountry } from '../pki/country.js';
import { checkAttribute, type Subject } from '../pki/subject.js';

export function parseSubject(commonName: string, args: { organization?: string | undefined; country?: string | undefined }): Subject {
  return {
    commonName: checkAttribute('common name', commonName),
    organization: args.organization === undefined ? undefined : checkAttribute('organization', args.organization),
    country: args.country === undefined ? undefined : parseCountry(args.country),
  };
}
