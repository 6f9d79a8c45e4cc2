import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, ipFromBytes } from '../../dist/pki/ip.js';
import { parseDnsName } from '../../dist/pki/dns.js';
import { parseAltNames, splitList } from '../../dist/pki/san.js';
import { CaError } from '../../dist/error.js';

const usage = (err) => err instanceof CaError && err.kind === 'usage';

test('IPv4 addresses become 4 octets', () => {
  assert.deepEqual([...parseIp('10.0.0.1').bytes], [10, 0, 0, 1]);
  assert.equal(parseIp('127.0.0.1').text, '127.0.0.1');
});

test('IPv6 addresses become 16 octets and RFC 5952 text', () => {
  const ip = parseIp('FD00:0:0:0:0:0:0:1');
  assert.equal(ip.bytes.length, 16);
  assert.equal(ip.bytes.toString('hex'), 'fd000000000000000000000000000001');
  assert.equal(ip.text, 'fd00::1');
  assert.equal(parseIp('::1').bytes.toString('hex'), '00000000000000000000000000000001');
  assert.equal(parseIp('2001:db8::8:800:200c:417a').text, '2001:db8::8:800:200c:417a');
  assert.equal(ipFromBytes(parseIp('2001:db8:0:0:1:0:0:1').bytes), '2001:db8::1:0:0:1');
});

test('invalid IPs are refused, not silently re-encoded', () => {
  for (const bad of ['10.0.0.256', '1.2.3', '1.2.3.4:80', 'fe80::1%eth0', '[::1]:443', 'localhost', '', '01.2.3.4x']) {
    assert.throws(() => parseIp(bad), usage, bad);
  }
  assert.throws(() => parseIp('1.2.3.4:80'), (err) => /without a port/.test(err.hint));
});

test('DNS names: lower-cased, wildcard only as the whole left-most label', () => {
  assert.equal(parseDnsName('Etcd1.Example.COM'), 'etcd1.example.com');
  assert.equal(parseDnsName('*.Svc.Cluster.Local'), '*.svc.cluster.local');
  assert.equal(parseDnsName('localhost'), 'localhost');
  assert.equal(parseDnsName('a'.repeat(63) + '.com'), 'a'.repeat(63) + '.com');
});

test('internationalised names are stored as their punycode A-label', () => {
  assert.equal(parseDnsName('bücher.example'), 'xn--bcher-kva.example');
});

test('bad DNS names are refused with the reason', () => {
  const cases = {
    'a b.com': /white space/,
    '-a.com': /inner hyphens/,
    'a-.com': /inner hyphens/,
    [`${'a'.repeat(64)}.com`]: /longer than 63/,
    [`${'a.'.repeat(127)}com`]: /longer than 253/,
    'a.*.com': /left-most/,
    '*a.com': /left-most/,
    'a*.com': /left-most/,
    'a..com': /empty label/,
    'a_b.com': /inner hyphens/,
    '': /empty/,
    'a/b': /inner hyphens/,
  };
  for (const [name, why] of Object.entries(cases)) {
    assert.throws(() => parseDnsName(name), (err) => usage(err) && why.test(err.message), name);
  }
});

test('repeatable and comma-separated lists, duplicates dropped', () => {
  assert.deepEqual(splitList(['a,b', 'c', ' d ']), ['a', 'b', 'c', 'd']);
  assert.deepEqual(splitList('x'), ['x']);
  assert.deepEqual(splitList(undefined), []);
  const names = parseAltNames({ domains: ['a.com', 'A.com'], ips: ['::1', '0:0::1', '10.0.0.1'] });
  assert.deepEqual(names.dns, ['a.com']);
  assert.deepEqual(names.ips.map((i) => i.text), ['::1', '10.0.0.1']);
});
