/**
 * tls-alpn-01 validation (RFC 8737), within validation.ts's bound (VALIDATION_TIMEOUT_MS, 10 s, for
 * DNS, connection and handshake together). The server connects over TLS to the identifier's
 * address on --acme-tls-port, SNI the name (an ip identifier: its reverse-DNS name, RFC 8738 6),
 * offering ALPN "acme-tls/1" alone, and reads nothing beyond the handshake: the certificate the
 * peer presents is the whole answer. It is not verified against any CA (RFC 8737 3: the client
 * makes it self-signed); it must name exactly the identifier and carry the critical
 * id-pe-acmeIdentifier extension holding SHA-256 of the key authorization.
 */
import { X509Certificate, createHash, timingSafeEqual } from 'node:crypto';
import { connect } from 'node:tls';
import { Class, Type, children, encode, isContext, parse, type Node } from '../../pki/der.js';
import { EXTENSION_OIDS } from '../../pki/extensions.js';
import { parseIp } from '../../pki/ip.js';
import { GENERAL_NAME } from '../../pki/san.js';
import { readExtensionList, type Extension } from '../../pki/x509.js';
import { AcmeRefusal } from './refusal.js';
import type { Identifier } from './state.js';
import { VALIDATION_TIMEOUT_MS, addressOf, type ValidationOptions } from './validation.js';

/** RFC 8737 6.2: the ALPN protocol a validation offers and the peer must select. */
export const ACME_TLS_ALPN = 'acme-tls/1';
/** RFC 8737 6.1: id-pe-acmeIdentifier. */
export const ACME_IDENTIFIER_OID = '1.3.6.1.5.5.7.1.31';

/** Resolves when the identifier's host proves `keyAuthorization` in its handshake; else an AcmeRefusal saying why. */
export async function validateTlsAlpn01(identifier: Identifier, keyAuthorization: string, o: ValidationOptions): Promise<void> {
  const deadline = AbortSignal.timeout(VALIDATION_TIMEOUT_MS);
  const address = await addressOf(identifier, o.resolver, deadline);
  const where = `${identifier.value} (${address.includes(':') ? `[${address}]` : address}:${o.tlsPort})`;
  const peer = await handshake(address, o.tlsPort, sniName(identifier), where, deadline);
  checkValidationCertificate(peer.raw, identifier, keyAuthorization, where);
}

/** RFC 8738 6: an address is named in SNI by its reverse-DNS name (RFC 6066 3 forbids literal addresses). */
export function sniName(identifier: Identifier): string {
  if (identifier.type === 'dns') return identifier.value;
  const bytes = parseIp(identifier.value).bytes;
  if (bytes.length === 4) return `${[...bytes].reverse().join('.')}.in-addr.arpa`;
  const nibbles = [...bytes].flatMap((b) => [b >> 4, b & 15]).reverse();
  return `${nibbles.map((n) => n.toString(16)).join('.')}.ip6.arpa`;
}

/**
 * The peer's certificate once the handshake is done; the connection is then closed unread. A
 * failure before TCP connects is `connection`, one in the handshake `tls`, and so is a peer that
 * does not select acme-tls/1 (RFC 8737 3); running out of time is `connection`, as for http-01.
 */
function handshake(address: string, port: number, servername: string, where: string, deadline: AbortSignal): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    if (deadline.aborted) return reject(new AcmeRefusal('connection', `${where}: no time left for the TLS connection`));
    let connected = false;
    // Not verified against any CA: RFC 8737 3 has the client present a self-signed certificate.
    const socket = connect({ host: address, port, servername, ALPNProtocols: [ACME_TLS_ALPN], rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    const fail = (refusal: AcmeRefusal) => {
      deadline.removeEventListener('abort', late);
      socket.destroy();
      reject(refusal);
    };
    const late = () => fail(new AcmeRefusal('connection', `${where} ${connected ? 'did not complete the TLS handshake' : 'did not accept a connection'} within ${VALIDATION_TIMEOUT_MS / 1000} s`));
    deadline.addEventListener('abort', late, { once: true });
    socket.once('connect', () => void (connected = true));
    socket.on('error', (err: Error & { code?: string }) => fail(connected ? new AcmeRefusal('tls', `the TLS handshake with ${where} failed (${err.code ?? err.message})`) : new AcmeRefusal('connection', `cannot connect to ${where} (${err.code ?? err.message})`)));
    socket.once('secureConnect', () => {
      const protocol = socket.alpnProtocol;
      const peer = socket.getPeerX509Certificate();
      deadline.removeEventListener('abort', late);
      socket.destroy();
      if (protocol !== ACME_TLS_ALPN) return reject(new AcmeRefusal('tls', `${where} did not select the ALPN protocol ${ACME_TLS_ALPN} (${protocol ? `it selected ${protocol}` : 'it selected none'})`));
      if (!peer) return reject(new AcmeRefusal('tls', `${where} presented no certificate`));
      resolve(peer);
    });
  });
}

/**
 * RFC 8737 3: exactly one subjectAltName, the identifier (a dNSName; an iPAddress for an ip
 * identifier, RFC 8738 6), and the critical acmeIdentifier extension whose value is the DER
 * OCTET STRING of SHA-256(key authorization). A certificate that names something else or lacks
 * the extension proves nothing for this identifier (`unauthorized`, as Boulder answers); one with
 * the wrong digest is an answer to another challenge (`incorrectResponse`, as http-01's wrong body).
 */
export function checkValidationCertificate(der: Buffer, identifier: Identifier, keyAuthorization: string, where: string): void {
  const extensions = extensionsOf(der, where);
  checkAltName(only(extensions, EXTENSION_OIDS.subjectAltName, 'subjectAltName', where), identifier, where);
  const acme = only(extensions, ACME_IDENTIFIER_OID, 'acmeIdentifier (1.3.6.1.5.5.7.1.31)', where);
  if (!acme.critical) throw new AcmeRefusal('unauthorized', `the certificate of ${where} has the acmeIdentifier extension, but not critical as RFC 8737 3 requires`);
  const value = strictDer(acme.value);
  const digest = value?.tagClass === Class.UNIVERSAL && value.type === Type.OCTETSTRING && typeof value.value === 'string' ? Buffer.from(value.value, 'binary') : undefined;
  if (!digest) throw new AcmeRefusal('unauthorized', `the acmeIdentifier extension of ${where} is not a DER OCTET STRING`);
  const expected = createHash('sha256').update(keyAuthorization).digest();
  if (digest.length !== expected.length || !timingSafeEqual(digest, expected)) throw new AcmeRefusal('incorrectResponse', `the acmeIdentifier extension of ${where} is not SHA-256 of this challenge's key authorization`);
}

/**
 * An extension's value parsed as DER, or undefined. The parser takes a non-minimal length (BER), so
 * the value must also be its own re-encoding: X.690 10.1 allows one encoding, and Go's
 * encoding/asn1 (Boulder's and lego's) refuses any other too.
 */
function strictDer(value: Buffer): Node | undefined {
  try {
    const node = parse(value);
    return encode(node).equals(value) ? node : undefined;
  } catch {
    return undefined;
  }
}

function extensionsOf(der: Buffer, where: string): Extension[] {
  try {
    const [tbs] = children(parse(der), Type.SEQUENCE, 'Certificate', 3);
    const list = children(tbs, Type.SEQUENCE, 'TBSCertificate', 6).find((n) => isContext(n, 3));
    return list ? readExtensionList((list.value as Node[])[0]) : [];
  } catch (err) {
    throw new AcmeRefusal('unauthorized', `the certificate of ${where} is not strict DER (${(err as Error).message})`);
  }
}

/** RFC 5280 4.2: an extension appears at most once; here it must appear. */
function only(extensions: Extension[], id: string, name: string, where: string): Extension {
  const found = extensions.filter((e) => e.id === id);
  if (found.length === 0) throw new AcmeRefusal('unauthorized', `the certificate of ${where} has no ${name} extension`);
  if (found.length > 1) throw new AcmeRefusal('unauthorized', `the certificate of ${where} has ${found.length} ${name} extensions`);
  return found[0]!;
}

function checkAltName(san: Extension, identifier: Identifier, where: string): void {
  const list = strictDer(san.value);
  const names = list?.tagClass === Class.UNIVERSAL && list.type === Type.SEQUENCE && Array.isArray(list.value) ? (list.value as Node[]) : undefined;
  if (!names) throw new AcmeRefusal('unauthorized', `the subjectAltName extension of ${where} is not DER`);
  if (names.length !== 1) throw new AcmeRefusal('unauthorized', `the certificate of ${where} has ${names.length} subjectAltNames; RFC 8737 3 allows exactly one, ${identifier.value}`);
  const [name] = names as [Node];
  const bytes = name.tagClass === Class.CONTEXT_SPECIFIC && typeof name.value === 'string' ? Buffer.from(name.value, 'binary') : undefined;
  const matches =
    bytes !== undefined &&
    (identifier.type === 'dns'
      ? name.type === GENERAL_NAME.dNSName && bytes.toString('latin1').toLowerCase() === identifier.value
      : name.type === GENERAL_NAME.iPAddress && bytes.equals(parseIp(identifier.value).bytes));
  if (!matches) throw new AcmeRefusal('unauthorized', `the subjectAltName of the certificate of ${where} is not ${identifier.type === 'dns' ? 'the dNSName' : 'the iPAddress'} ${identifier.value}`);
}
