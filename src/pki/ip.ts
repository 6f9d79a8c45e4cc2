/**
 * IP addresses for iPAddress SANs (RFC 5280 4.2.1.6: 4 octets for IPv4, 16 for IPv6). Parsed here
 * rather than by node-forge, which encodes 10.0.0.256 as 10.0.1.0, keeps an IPv6 zone (a 17-byte
 * value Go refuses) and throws on IPv4-mapped addresses. The same rules hold for `--ip` and for
 * addresses in a request (SPEC "What a CSR may put in a certificate").
 */
import { isIPv4, isIPv6 } from 'node:net';
import { usageError } from '../error.js';

export interface IpAddress {
  /** canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6 */
  text: string;
  bytes: Buffer;
}

/**
 * Addresses no peer is ever reached at: a certificate naming them matches nothing useful and
 * `0.0.0.0` or `::` in a SAN usually means a listen address was copied by mistake.
 */
const UNUSABLE: Record<string, string> = {
  '0.0.0.0': 'the unspecified address',
  '::': 'the unspecified address',
  '255.255.255.255': 'the broadcast address',
};

export function parseIp(input: string): IpAddress {
  let address: IpAddress | undefined;
  if (isIPv4(input)) {
    address = ipv4(Buffer.from(input.split('.').map(Number)));
  } else if (isIPv6(input) && !input.includes('%')) {
    address = fromSixteen(ipv6Bytes(input));
  }
  if (!address) {
    const hint = /^[\d.]+:\d+$|^\[.*\]:\d+$/.test(input)
      ? 'give the address without a port'
      : 'give an IPv4 address like 10.0.0.1 or an IPv6 address like fd00::1';
    throw usageError(`invalid IP address ${JSON.stringify(input)}`, hint);
  }
  const why = UNUSABLE[address.text];
  if (why) throw usageError(`the IP address ${address.text} is ${why}, which no peer connects to`, 'give the address the peers use');
  return address;
}

/** An iPAddress SAN's bytes (from a request or a certificate) through the same rules as --ip. */
export function parseIpBytes(bytes: Buffer): IpAddress {
  if (bytes.length !== 4 && bytes.length !== 16) {
    throw usageError(`invalid IP address of ${bytes.length} bytes (RFC 5280 4.2.1.6 allows 4 or 16)`);
  }
  return parseIp(ipFromBytes(bytes));
}

export function ipFromBytes(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) return ipv6Text(bytes);
  throw usageError(`invalid IP address of ${bytes.length} bytes (RFC 5280 4.2.1.6 allows 4 or 16)`);
}

function ipv4(bytes: Buffer): IpAddress {
  return { text: [...bytes].join('.'), bytes };
}

/**
 * An IPv4-mapped IPv6 address (RFC 4291 2.5.5.2, ::ffff:a.b.c.d) is the IPv4 address: OpenSSL and
 * GnuTLS compare an iPAddress SAN byte for byte, so 16 bytes would never match a client that
 * connects to a.b.c.d.
 */
function fromSixteen(bytes: Buffer): IpAddress {
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return ipv4(Buffer.from(bytes.subarray(12)));
  return { text: ipv6Text(bytes), bytes };
}

function ipv6Bytes(input: string): Buffer {
  let text = input;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tail.push(...v4[1]!.split('.').map(Number));
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const zeros = rest === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  const groups = [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
  if (tail.length) Buffer.from(tail).copy(bytes, 12);
  return bytes;
}

/** RFC 5952 4: lower case, leading zeros dropped, the longest run (>1) of zero groups as "::". */
function ipv6Text(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.len < 2) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}
