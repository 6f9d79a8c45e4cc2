// Bad input: one line saying what was wrong and what to do, exit 1 (2 for usage), no stack trace,
// nothing on stdout, and the store byte-for-byte unchanged. One table, one checksum per case.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { ca, caOk, treeDigest } from '../helpers/ca.js';
import { craftRequest, rsaSpki } from '../helpers/csr.js';
import { rsaKey } from '../helpers/keys.js';

const CA_PASS = 'the-ca-passphrase';
// Root reads any file whatever its mode; procfs's write-only files refuse even root (EACCES).
const UNREADABLE = process.getuid?.() === 0 ? '/proc/sys/vm/compact_memory' : 'locked.txt';
let dir;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'clusterca-bad-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const env = { env: { CA_PASSPHRASE: CA_PASS } };
  caOk(dir, ['init', '--key-bits', '2048'], env);
  caOk(dir, ['new-cert', '--ip', '10.0.0.1', 'pending']);
  caOk(dir, ['new-cert', '--ip', '10.0.0.2', 'done']);
  caOk(dir, ['sign', 'done'], env);
  writeFileSync(join(dir, 'empty.txt'), '');
  writeFileSync(join(dir, 'wrong.txt'), 'not-it\n');
  writeFileSync(join(dir, 'locked.txt'), `${CA_PASS}\n`, { mode: 0o000 });
  mkdirSync(join(dir, 'a-directory'));
  writeFileSync(join(dir, 'right.txt'), `${CA_PASS}\n`);
  writeFileSync(join(dir, 'outside.csr'), readFileSync(join(dir, '.ca/csrs/pending.csr')));
  // Requests that ask for what the flags would refuse (SPEC "What a CSR may put in a certificate").
  const key = rsaKey(2048, 4);
  const big = randomBytes(2048);
  big[0] |= 0x80;
  writeFileSync(join(dir, 'escape.csr'), craftRequest({ key, subject: [['CN', 'utf8', 'red\x1b[31m\nline']] }));
  writeFileSync(join(dir, 'long.csr'), craftRequest({ key, subject: [['CN', 'utf8', 'x'.repeat(5000)]] }));
  writeFileSync(join(dir, 'cyrillic.csr'), craftRequest({ key, sans: [[2, Buffer.from('pаypal.com', 'utf8')]] }));
  writeFileSync(join(dir, 'wildcard.csr'), craftRequest({ key, sans: [[2, '*.com']] }));
  writeFileSync(join(dir, 'huge-key.csr'), craftRequest({ key, spki: rsaSpki(big, randomBytes(2048)), junkSignature: true }));
});

const USAGE = 2;
const FAIL = 1;
const CASES = [
  // SANs
  [USAGE, ['new-cert', '--ip', '10.0.0.256', 'x'], /invalid IP address "10\.0\.0\.256"/],
  [USAGE, ['new-cert', '--ip', '1.2.3', 'x'], /invalid IP address "1\.2\.3"/],
  [USAGE, ['new-cert', '--ip', 'fd00::g', 'x'], /invalid IP address "fd00::g"/],
  [USAGE, ['new-cert', '--ip', 'fe80::1%eth0', 'x'], /invalid IP address "fe80::1%eth0"/],
  [USAGE, ['new-cert', '--ip', '10.0.0.1:2379', 'x'], /invalid IP address "10\.0\.0\.1:2379"; give the address without a port/],
  [USAGE, ['new-cert', '--domain', 'my host.example', 'x'], /invalid DNS name "my host\.example": it contains white space/],
  [USAGE, ['new-cert', '--domain=-etcd.example', 'x'], /labels hold only letters, digits and inner hyphens/],
  [USAGE, ['new-cert', '--domain', 'etcd-.example', 'x'], /labels hold only letters, digits and inner hyphens/],
  [USAGE, ['new-cert', '--domain', `${'a'.repeat(64)}.example`, 'x'], /a label is longer than 63 characters/],
  [USAGE, ['new-cert', '--domain', `${'abcdefghi.'.repeat(25)}example`, 'x'], /longer than 253 characters/],
  [USAGE, ['new-cert', '--domain', 'api.*.example', 'x'], /a wildcard is allowed only as the whole left-most label/],
  [USAGE, ['new-cert', '--domain', 'a*.example', 'x'], /a wildcard is allowed only as the whole left-most label/],
  [USAGE, ['new-cert', '--domain', 'xn--a.example', 'x'], /not a valid internationalised domain name|labels hold only/],
  // SANs no peer can use (SPEC "What a CSR may put in a certificate": the flags' rules)
  [USAGE, ['new-cert', '--domain', '1.2.3.4', 'x'], /1\.2\.3\.4 is an IP address, not a DNS name; give it with --ip 1\.2\.3\.4/],
  [USAGE, ['new-cert', '--ip', '0.0.0.0', 'x'], /the IP address 0\.0\.0\.0 is the unspecified address/],
  [USAGE, ['new-cert', '--ip', '::', 'x'], /the IP address :: is the unspecified address/],
  [USAGE, ['new-cert', '--ip', '255.255.255.255', 'x'], /the IP address 255\.255\.255\.255 is the broadcast address/],
  [USAGE, ['new-cert', '--domain', '*.com', 'x'], /a wildcard needs at least two labels after "\*\."/],
  [USAGE, ['new-cert', '--domain', '*.example', 'x'], /a wildcard needs at least two labels/],
  [USAGE, ['new-cert', '--domain', '*.co.uk', 'x'], /co\.uk is a public suffix/],
  [USAGE, ['new-cert', '--domain', Array.from({ length: 101 }, (_, i) => `n${i}.example.com`).join(','), 'x'], /101 subject alternative names are too many; a certificate names at most 100/],
  // names
  [USAGE, ['new-cert', 'a/b'], /invalid name "a\/b"/],
  [USAGE, ['new-cert', '..'], /invalid name "\.\."/],
  [USAGE, ['new-cert', '../etc'], /invalid name/],
  [USAGE, ['new-cert', 'tab\there'], /invalid name/],
  [USAGE, ['new-cert', 'new\nline'], /invalid name/],
  [USAGE, ['new-cert', 'ca'], /the name "ca" is reserved for the CA itself/],
  [USAGE, ['new-cert', ''], /a name is required|needs a NAME/],
  [USAGE, ['new-cert', 'n'.repeat(65)], /invalid name/],
  [USAGE, ['create-api-certificate', '../alice'], /invalid user name/],
  // keys, profiles, validity, subject
  [USAGE, ['new-cert', '--key-bits', '1024', 'x'], /invalid key size "1024"; use --key-bits 2048, 3072 or 4096/],
  [USAGE, ['new-cert', '--key-bits', 'big', 'x'], /invalid key size "big"/],
  [USAGE, ['new-cert', '--profile', 'web', 'x'], /unknown profile "web"; use one of: admin, api, client, control, node, peer, server/],
  [USAGE, ['new-cert', '--profile', 'ca', 'x'], /the profile "ca" is a CA's/],
  [USAGE, ['sign', '--days', '0', 'pending'], /invalid --days "0"; --days takes a whole number of at least 1/],
  [USAGE, ['sign', '--days', '-30', 'pending'], /invalid --days "-30"/],
  [USAGE, ['sign', '--days', 'soon', 'pending'], /invalid --days "soon"/],
  [USAGE, ['sign', '--years', '0', 'pending'], /invalid --years "0"/],
  [USAGE, ['sign', '--years', '9000', 'pending'], /the validity period ends after 9999-12-31/],
  [USAGE, ['init', '--force', '--country', 'UK'], /invalid country "UK": not an ISO 3166-1 alpha-2 code; the United Kingdom is GB/],
  [USAGE, ['init', '--force', '--country', 'Germany'], /invalid country "Germany"/],
  [USAGE, ['init', '--force', '--path-length', '-1'], /invalid --path-length "-1"/],
  [USAGE, ['new-cert', '--organization', '', 'x'], /invalid organization ""/],
  // key types, hierarchy, constraints, pointers
  [USAGE, ['init', '--force', '--key-type', 'dsa'], /unknown key type "dsa"; use --key-type rsa, ecdsa or ed25519/],
  [USAGE, ['init', '--force', '--key-type', 'ecdsa', '--curve', 'P-521'], /unknown curve "P-521"; use --curve P-256 or P-384/],
  [USAGE, ['init', '--force', '--key-type', 'rsa', '--curve', 'P-256'], /--curve goes with --key-type ecdsa, not rsa/],
  [USAGE, ['new-cert', '--key-type', 'ecdsa', '--key-bits', '2048', 'x'], /--key-bits is for RSA keys, not ecdsa; ECDSA keys take --curve/],
  [USAGE, ['new-cert', '--key-type', 'ed25519', '--curve', 'P-256', 'x'], /--curve goes with --key-type ecdsa, not ed25519/],
  [USAGE, ['init', '--force', '--parent', 'no-such-dir'], /--parent no-such-dir is not a CA store/],
  [FAIL, ['init', '--force', '--store', 'child', '--parent', '.ca'], /the CA of \.ca allows no CA below it \(path length 0\); a root that signs intermediates is made with `ca init --path-length 1`/],
  [USAGE, ['init', '--force', '--permit-ip', '10.0.0.1'], /invalid --permit-ip "10\.0\.0\.1": it is not a CIDR block.*give 10\.0\.0\.1\/32/],
  [USAGE, ['init', '--force', '--permit-ip', '10.0.0.1/8'], /the address has host bits set; did you mean 10\.0\.0\.0\/8\?/],
  [USAGE, ['init', '--force', '--permit-ip', '10.0.0.0/33'], /a prefix length of 33 is too long for IPv4/],
  [USAGE, ['init', '--force', '--permit-ip', 'fd00::/8x'], /invalid --permit-ip/],
  [USAGE, ['init', '--force', '--permit-domain', '*.example.com'], /invalid --permit-domain "\*\.example\.com": give the domain itself/],
  [USAGE, ['init', '--force', '--permit-uri', 'spiffe://prod.example.com'], /invalid --permit-uri "spiffe:\/\/prod\.example\.com": give the host alone; --permit-uri prod\.example\.com covers/],
  [USAGE, ['init', '--force', '--permit-uri', '*.example.com'], /invalid --permit-uri "\*\.example\.com": a constraint has no wildcard; --permit-uri \.example\.com covers every host below it/],
  [USAGE, ['init', '--force', '--permit-email', 'ops@@example.com'], /invalid e-mail address/],
  [USAGE, ['init', '--force', '--permit-email', '.'], /invalid DNS name "": it is empty/],
  [USAGE, ['init', '--force', '--crl-url', 'ftp://pki.example.com/ca.crl'], /invalid --crl-url .*not an http:\/\/ or https:\/\/ URL/],
  [USAGE, ['new-cert', '--uri', 'cluster.local/ns/web', 'x'], /invalid URI "cluster\.local\/ns\/web": it has no scheme/],
  [USAGE, ['new-cert', '--uri', 'spiffe://cluster.local/ns/my web', 'x'], /invalid URI .*: it holds spaces/],
  [USAGE, ['new-cert', '--email', 'ops', 'x'], /invalid e-mail address "ops": it needs a local part and a domain/],
  // command line
  [USAGE, ['frobnicate'], /unknown argument: frobnicate; run `ca --help` for usage/],
  [USAGE, ['new-cert', 'x', '--bogus'], /unknown option --bogus; run `ca new-cert --help` for usage/],
  [USAGE, ['sign', '--days', '10', '--years', '1', 'pending'], /--days and --years cannot be used together/],
  [USAGE, ['sign', '--ca-passphrase', 'a', '--ca-passphrase-file', 'wrong.txt', 'pending'], /--ca-passphrase and --ca-passphrase-file both give the passphrase/],
  [USAGE, ['export', 'done', '--format', 'zip'], /invalid --format "zip": choose tar, pem, p12, k8s, docker/],
  [USAGE, ['sign'], /give the NAME of the request to sign, or --csr FILE/],
  // passphrases
  [USAGE, ['init', '--force', '--passphrase', ''], /--passphrase was given no value; give the secret, or leave --passphrase out/],
  [USAGE, ['new-cert', '--passphrase', '', 'x'], /--passphrase was given no value/],
  [USAGE, ['sign', '--ca-passphrase', '', 'pending'], /--ca-passphrase was given no value/],
  [USAGE, ['sign', '--ca-passphrase-file', '', 'pending'], /--ca-passphrase-file was given no file name/],
  [FAIL, ['sign', '--ca-passphrase-file', 'missing.txt', 'pending'], /--ca-passphrase-file missing\.txt does not exist/],
  [FAIL, ['sign', '--ca-passphrase-file', 'empty.txt', 'pending'], /--ca-passphrase-file empty\.txt is empty; write the passphrase on its first line/],
  [FAIL, ['sign', '--ca-passphrase-file', 'a-directory', 'pending'], /--ca-passphrase-file a-directory is a directory/],
  [FAIL, ['sign', '--ca-passphrase-file', UNREADABLE, 'pending'], /--ca-passphrase-file .* cannot be read: permission denied/],
  [FAIL, ['sign', '--ca-passphrase-file', 'wrong.txt', 'pending'], /wrong passphrase for the CA key; check --ca-passphrase/],
  [USAGE, ['sign', 'pending'], /the CA key is encrypted and no passphrase was given; pass --ca-passphrase, --ca-passphrase-file or CA_PASSPHRASE/],
  // names and the store
  [FAIL, ['sign', '--ca-passphrase-file', 'wrong.txt', 'nobody'], /there is no request named nobody; run `ca new-cert nobody` first/],
  [FAIL, ['new-cert', 'done'], /a certificate named done already exists/],
  [FAIL, ['new-cert', 'pending'], /a request named pending already exists/],
  [FAIL, ['init'], /a CA store already exists in \.ca; pass --force/],
  [FAIL, ['export', 'pending'], /pending is not signed yet; run `ca sign pending` first/],
  [FAIL, ['export', 'nobody'], /there is no certificate named nobody/],
  [FAIL, ['sign', '--csr', 'wrong.txt', 'x'], /is not a certificate signing request|not a valid certificate signing request/],
  [FAIL, ['sign', '--csr', 'outside.csr', '--out', 'wrong.txt', '--ca-passphrase-file', 'right.txt', 'outside'], /wrong\.txt already exists; pass --force/],
  // requests that ask for what the flags would refuse
  [FAIL, ['sign', '--csr', 'escape.csr', '--ca-passphrase-file', 'right.txt', 'x'], /escape\.csr: invalid common name "red\\u001b\[31m\\nline"/],
  [FAIL, ['sign', '--csr', 'long.csr', '--ca-passphrase-file', 'right.txt', 'x'], /long\.csr: invalid common name/],
  [FAIL, ['sign', '--csr', 'cyrillic.csr', '--ca-passphrase-file', 'right.txt', 'x'], /cyrillic\.csr: invalid DNS name .*: it holds bytes outside ASCII; an international name must be requested as its xn-- A-label/],
  [FAIL, ['sign', '--csr', 'wildcard.csr', '--ca-passphrase-file', 'right.txt', 'x'], /wildcard\.csr: invalid DNS name "\*\.com": a wildcard needs at least two labels/],
  [FAIL, ['sign', '--csr', 'huge-key.csr', '--ca-passphrase-file', 'right.txt', 'x'], /huge-key\.csr has a 16384-bit RSA key; at most 8192 bits are accepted/],
  // inputs are bounded: read up to 64 KiB, never whole (SPEC)
  [FAIL, ['sign', '--csr', '/dev/zero', 'x'], /\/dev\/zero is larger than 64 KiB/],
  [FAIL, ['verify', '/dev/urandom'], /\/dev\/urandom is larger than 64 KiB/],
  [USAGE, ['sign', '--csr', 'a-directory', 'x'], /cannot read --csr a-directory: it is a directory/],
  // revocation and lookup by serial
  [USAGE, ['revoke', 'done', '--serial', 'ab'], /give a NAME or --serial, not both/],
  [USAGE, ['revoke'], /give the NAME of the certificate to revoke, or --serial HEX/],
  [USAGE, ['revoke', '--serial', 'ab', '--all'], /--all goes with a NAME/],
  [FAIL, ['revoke', '--serial', 'zz', '--ca-passphrase-file', 'right.txt'], /no certificate with serial zz was issued by this CA/],
  [USAGE, ['show'], /^error: failed to show a certificate: give a NAME or --serial HEX/],
  [FAIL, ['show', '--serial', '01'], /no certificate with serial 01 was issued by this CA/],
];

test('every bad input: the right exit status, one error line, nothing on stdout, the store unchanged', () => {
  const store = join(dir, '.ca');
  for (const [status, args, why] of CASES) {
    const before = treeDigest(store);
    const r = ca(dir, args);
    const label = `ca ${args.join(' ')}`;
    assert.equal(r.status, status, `${label}: exit ${r.status}\n${r.stderr}`);
    assert.equal(r.out, '', `${label}: nothing on stdout`);
    const lines = r.stderr.split('\n').filter((l) => l && !l.startsWith('warning:'));
    assert.equal(lines.length, 1, `${label}: one line\n${r.stderr}`);
    assert.match(lines[0], /^error: /, label);
    assert.match(lines[0], why, label);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${label}: no stack trace`);
    assert.equal(treeDigest(store), before, `${label}: the store is unchanged`);
  }
});

test('--verbose adds the stack trace', () => {
  const r = ca(dir, ['sign', '--verbose', 'pending']);
  assert.equal(r.status, 2, 'a missing secret is a usage error');
  assert.match(r.stderr, /^error: failed to sign pending: the CA key is encrypted/);
  assert.match(r.stderr, /\n\s+at /);
});

test('international domain names are accepted and stored as punycode', () => {
  caOk(dir, ['new-cert', '--domain', 'bücher.example', 'idn']);
  caOk(dir, ['sign', 'idn'], { env: { CA_PASSPHRASE: CA_PASS } });
  const cert = new X509Certificate(readFileSync(join(dir, '.ca/certs/idn.crt')));
  assert.equal(cert.subjectAltName, 'DNS:xn--bcher-kva.example');
});
