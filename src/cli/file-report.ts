/**
 * The words of `ca inspect FILE` and `ca show` (a certificate of the store or a file): rows of
 * "Field: value", each value escaped for the terminal (text.ts), one block per object in the file.
 */
import type { InspectedFile } from '../ca/inspect-file.js';
import type { CertificateDescription } from '../pki/describe.js';
import { printable } from './text.js';

type Row = [string, string];

export function rowsText(rows: Row[], indent = ''): string {
  return rows.map(([k, v]) => `${indent}${`${k}:`.padEnd(16)}${printable(v)}`).join('\n');
}

export function certificateRows(d: CertificateDescription): Row[] {
  return [
    ['Subject', d.subject],
    ['Issuer', d.issuer],
    ['Serial', d.serial],
    ['SANs', d.sans.join(', ') || '-'],
    ['Key usage', d.keyUsage.join(', ') || '-'],
    ['Extended usage', d.extKeyUsage.join(', ') || '-'],
    ['CA', d.isCa ? `yes, path length ${d.pathLength ?? 'unlimited'}` : 'no'],
    ['Valid', `${d.notBefore} to ${d.notAfter} (${d.daysLeft >= 0 ? `${d.daysLeft} days left` : `expired ${-d.daysLeft} days ago`})`],
    ['SHA-256', d.fingerprint],
    ['Key', d.key],
  ];
}

/** What the file is, in a few words: "a chain of 3 certificates", "PKCS#12: 2 certificates and a key". */
export function kindText(f: InspectedFile): string {
  const parts: string[] = [];
  const n = f.certificates.length;
  if (n === 1) parts.push('a certificate');
  if (n > 1) parts.push(f.format === 'PKCS#12' ? `${n} certificates` : `a chain of ${n} certificates`);
  if (f.requests.length) parts.push(f.requests.length === 1 ? 'a certificate signing request' : `${f.requests.length} certificate signing requests`);
  if (f.crls.length) parts.push(f.crls.length === 1 ? 'a CRL' : `${f.crls.length} CRLs`);
  if (f.keys.length) parts.push(f.keys.length === 1 ? 'a private key' : `${f.keys.length} private keys`);
  return `${f.format}: ${parts.join(', ') || 'nothing'}`;
}

export function fileReport(f: InspectedFile): string {
  const blocks: string[] = [rowsText([['File', `${f.file} (${kindText(f)})`]])];
  const many = (what: string, i: number, n: number) => (n > 1 ? `${what} ${i + 1} of ${n}` : what);
  f.certificates.forEach((c, i, all) => {
    const name = c.friendlyName ? ` (friendly name ${c.friendlyName})` : '';
    blocks.push(`${printable(many('Certificate', i, all.length) + name)}:\n${rowsText(certificateRows(c), '  ')}`);
  });
  f.requests.forEach((r, i, all) => {
    const rows: Row[] = [
      ['Subject', r.subject || '-'],
      ['SANs', r.sans.join(', ') || '-'],
      ['Key', r.key],
      ['Signature', `${r.signatureAlgorithm}, ${r.signatureValid ? 'valid' : 'NOT VALID (altered, or made with another key)'}`],
    ];
    blocks.push(`${many('Certificate signing request', i, all.length)}:\n${rowsText(rows, '  ')}`);
  });
  f.crls.forEach((c, i, all) => {
    const rows: Row[] = [
      ['Issuer', c.issuer],
      ['Number', c.number ?? '-'],
      ['This update', c.thisUpdate],
      ['Next update', c.nextUpdate ?? '-'],
      ['Revoked', c.revoked.length ? `${c.revoked.length}` : 'none'],
    ];
    const serials = c.revoked.map((r) => printable(`    ${r.serial}  ${r.revokedAt} (${r.reason})`));
    blocks.push([`${many('CRL', i, all.length)}:`, rowsText(rows, '  '), ...serials].join('\n'));
  });
  f.keys.forEach((k, i, all) => {
    const what = k.encrypted && k.key === 'unknown' ? 'encrypted (its type is inside the encryption)' : `${k.key}${k.encrypted ? ', encrypted' : ', NOT encrypted'}`;
    const name = k.friendlyName ? ` (friendly name ${k.friendlyName})` : '';
    blocks.push(rowsText([[many('Private key', i, all.length), `${what}${name}`]]));
  });
  return blocks.join('\n');
}
