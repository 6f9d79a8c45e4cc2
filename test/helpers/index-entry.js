// An index entry as the store records one (src/store/index-file.ts IndexEntry), for unit tests
// of the index: a valid ECDSA certificate without its key here, unless `fields` say otherwise.
let next = 0x10;

export function indexEntry(name, fields = {}) {
  next += 1;
  return {
    name,
    serial: `7a${'00'.repeat(14)}${next.toString(16).padStart(2, '0')}`,
    profile: 'node',
    subject: `CN=${name}, OU=c`,
    sans: [],
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    fingerprint: Array(32).fill('AB').join(':'),
    publicKey: 'ab'.repeat(32),
    status: 'valid',
    revokedAt: null,
    revocationReason: null,
    source: 'csr',
    hasKey: false,
    ...fields,
  };
}
