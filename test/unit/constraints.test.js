// Name constraints in every form (SPEC "Name constraints constrain every name form"): the flags'
// values, what a CA's extension reads back as, and which names fall inside, by RFC 5280 4.2.1.10.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, contextPrimitive, encode, seq } from '../../dist/pki/der.js';
import { decodeNameConstraints, encodeNameConstraints } from '../../dist/pki/constraint-extension.js';
import {
  outsideConstraints,
  parsePermittedEmail,
  parsePermittedRange,
  parsePermittedUriHost,
} from '../../dist/pki/constraints.js';
import { parseAltNames, noAltNames } from '../../dist/pki/san.js';
import { CaError } from '../../dist/error.js';

const usage = (err) => err instanceof CaError && err.kind === 'usage';
const constraints = (p) => ({ dns: [], ips: [], uris: [], emails: [], everyForm: true, ...p, ips: (p.ips ?? []).map(parsePermittedRange) });
const roundTrip = (c) => decodeNameConstraints(encode(encodeNameConstraints(c)));
const outside = (c, names, cn = 'web server') => outsideConstraints(c, parseAltNames(names), cn);

test('--permit-uri takes a host or .domain, never a scheme or a wildcard; --permit-email an address, a host or .domain', () => {
  assert.equal(parsePermittedUriHost('Prod.Example.com'), 'prod.example.com');
  assert.equal(parsePermittedUriHost('.example.com'), '.example.com');
  assert.throws(() => parsePermittedUriHost('spiffe://prod.example.com/'), (e) => usage(e) && /give the host alone/.test(e.message) && /--permit-uri prod\.example\.com/.test(e.hint));
  assert.throws(() => parsePermittedUriHost('*.example.com'), usage);
  assert.equal(parsePermittedEmail('ops@Example.com'), 'ops@example.com');
  assert.equal(parsePermittedEmail('example.com'), 'example.com');
  assert.equal(parsePermittedEmail('.example.com'), '.example.com');
  assert.throws(() => parsePermittedEmail('*@example.com'), usage);
});

test('a CA constrained in every form reads back as it was given, the subtrees that admit nothing left out', () => {
  for (const c of [
    constraints({ dns: ['c1.example.com'], ips: ['10.1.0.0/16'] }),
    constraints({ dns: ['d.example.com'] }),
    constraints({ ips: ['fd00::/8'] }),
    constraints({ dns: ['s.example.com'], ips: ['10.0.0.0/8', 'fd00::/8'], uris: ['s.example.com', '.mesh.example.com'], emails: ['s.example.com', 'ops@example.com'] }),
  ]) {
    const back = roundTrip(c);
    assert.deepEqual({ ...back, ips: back.ips.map((r) => r.text) }, { ...c, ips: c.ips.map((r) => r.text) });
  }
});

test('a form given nothing admits nothing; URI and e-mail constraints follow RFC 5280 (a host, or .domain below it)', () => {
  const c1 = constraints({ dns: ['c1.example.com'], ips: ['10.1.0.0/16'] });
  assert.equal(outside(c1, { domains: ['a.c1.example.com'], uris: ['spiffe://bank.example/x'] }), 'URI:spiffe://bank.example/x');
  assert.equal(outside(c1, { domains: ['a.c1.example.com'], emails: ['ceo@bank.example'] }), 'email:ceo@bank.example');
  assert.equal(outside(c1, { domains: ['a.c1.example.com'], ips: ['2001:db8::1'] }), 'IP:2001:db8::1');
  assert.equal(outside(constraints({ dns: ['d.example.com'] }), { domains: ['a.d.example.com'], ips: ['8.8.8.8'] }), 'IP:8.8.8.8');

  const s = constraints({ dns: ['s.example.com'], uris: ['s.example.com', '.mesh.example.com'], emails: ['s.example.com', '.corp.example.com', 'boss@example.com'] });
  const inside = { domains: ['a.s.example.com'], uris: ['spiffe://s.example.com/ns/a', 'https://x.mesh.example.com/'], emails: ['ops@s.example.com', 'a@b.corp.example.com', 'boss@example.com'] };
  assert.equal(outside(s, inside), undefined);
  for (const [names, name] of [
    [{ uris: ['spiffe://a.s.example.com/x'] }, 'URI:spiffe://a.s.example.com/x'], // a host constraint is that host alone
    [{ uris: ['https://mesh.example.com/'] }, 'URI:https://mesh.example.com/'], // .domain is what is below it
    [{ uris: ['urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66'] }, 'URI:urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66'], // no host
    [{ emails: ['ops@a.s.example.com'] }, 'email:ops@a.s.example.com'],
    [{ emails: ['other@example.com'] }, 'email:other@example.com'],
  ]) {
    assert.equal(outside(s, { domains: ['a.s.example.com'], ...names }), name);
  }
});

test("without a DNS SAN the CN is held to the DNS constraints where Java, OpenSSL or GnuTLS would hold it", () => {
  const c1 = constraints({ dns: ['c1.example.com'], ips: ['10.1.0.0/16'] });
  const none = noAltNames();
  assert.equal(outsideConstraints(c1, none, 'user-alice'), 'CN=user-alice', 'Java reads user-alice as a DNS name');
  assert.equal(outsideConstraints(c1, none, 'Acme prod CA'), undefined, 'no DNS name to Java with a space');
  assert.equal(outsideConstraints(c1, none, 'user_alice'), undefined, 'nor with an underscore');
  assert.equal(outsideConstraints(c1, parseAltNames({ domains: ['user-alice.invalid'] }), 'user-alice'), undefined, 'a DNS SAN under .invalid is read instead');
  assert.equal(outsideConstraints(c1, none, '10.2.0.1'), 'CN=10.2.0.1', 'Java reads an address CN against the IP constraints');
  // A CA from before every form was constrained: what it does not list is open.
  const old = { ...c1, everyForm: false };
  assert.equal(outsideConstraints(old, parseAltNames({ domains: ['a.c1.example.com'], uris: ['spiffe://bank.example/x'] }), 'web'), undefined);
});

test('a CA certificate made with the earlier encoding (addresses excluded, the unspecified address for a family left out) reads back the same', () => {
  const sub = (tag, bytes) => seq([contextPrimitive(tag, Buffer.from(bytes))]);
  const [dns, ip, uri, email] = [2, 7, 6, 1];
  const ascii = (t) => [...Buffer.from(t, 'ascii')];
  const zeros = (n) => new Array(n).fill(0);
  const earlier = (permitted, excluded) => decodeNameConstraints(encode(seq([context(0, permitted), context(1, excluded)])));
  const texts = (c) => ({ ...c, ips: c.ips.map((r) => r.text) });
  const common = [sub(uri, ascii('.invalid')), sub(email, ascii('.invalid'))];
  const dnsOnly = earlier([sub(dns, ascii('d.example.com')), sub(dns, ascii('invalid')), ...common], [sub(ip, zeros(8)), sub(ip, zeros(32)), sub(uri, ascii('none.invalid'))]);
  assert.deepEqual(texts(dnsOnly), { dns: ['d.example.com'], ips: [], uris: [], emails: [], everyForm: true });
  const v4 = earlier([sub(dns, ascii('invalid')), sub(ip, [10, 1, 0, 0, 255, 255, 0, 0]), sub(ip, [...zeros(16), ...new Array(16).fill(255)]), ...common], [sub(uri, ascii('none.invalid'))]);
  assert.deepEqual(texts(v4), { dns: [], ips: ['10.1.0.0/16'], uris: [], emails: [], everyForm: true });
});
