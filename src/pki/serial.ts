/**
 * Serial numbers: RFC 5280 4.1.2.2 wants them positive, unique per CA and at most 20 octets; CA/B
 * Baseline Requirements 7.1 want at least 64 bits from a CSPRNG. We take 128 bits. The DER INTEGER
 * is signed, so the top bit is cleared (node-forge would otherwise write a negative serial, which
 * Go 1.23+ rejects), and the first octet is kept non-zero so the encoding stays minimal.
 */
import { randomBytes } from 'node:crypto';

/** A serial that `taken` does not know (the index's lookup: checked in constant time). */
export function randomSerial(taken: (serial: string) => boolean = () => false): string {
  for (;;) {
    const bytes = randomBytes(16);
    bytes[0] = bytes[0]! & 0x7f || 0x01;
    const hex = bytes.toString('hex');
    if (!taken(hex)) return hex;
  }
}
