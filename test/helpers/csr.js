// Requests built byte by byte, for tests of what a CSR may put in a certificate: any string type in
// the subject, any GeneralName bytes, any SubjectPublicKeyInfo, a real or a junk signature.
import { createPublicKey, sign } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
const { Class, Type } = asn1;
const node = (type, bytes) => asn1.create(Class.UNIVERSAL, type, false, Buffer.from(bytes).toString('binary'));
const seq = (items) => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
const set = (items) => asn1.create(Class.UNIVERSAL, Type.SET, true, items);
const oid = (id) => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(id).getBytes());
const der = (n) => Buffer.from(asn1.toDer(n).getBytes(), 'binary');
const fromDer = (b) => asn1.fromDer(Buffer.from(b).toString('binary'));

export const STRING_TYPES = { utf8: 12, printable: 19, teletex: 20, ia5: 22, bmp: 30, universal: 28 };
const ATTRIBUTE = { CN: '2.5.4.3', O: '2.5.4.10', OU: '2.5.4.11', C: '2.5.4.6' };

/** The bytes of `text` in a DirectoryString type, as a producer of that type writes them. */
export function encodeString(type, text) {
  if (type === 'utf8') return Buffer.from(text, 'utf8');
  if (type === 'bmp') return Buffer.from(text, 'utf16le').swap16();
  if (type === 'universal') {
    const cps = [...text].map((c) => c.codePointAt(0));
    const b = Buffer.alloc(cps.length * 4);
    cps.forEach((cp, i) => b.writeUInt32BE(cp, i * 4));
    return b;
  }
  return Buffer.from(text, 'latin1');
}

/** A DirectoryString node: node-forge writes a BMPString from UTF-16 code units, the rest from bytes. */
function stringNode(type, bytes) {
  if (type !== 'bmp') return node(STRING_TYPES[type], bytes);
  let units = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) units += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
  return asn1.create(Class.UNIVERSAL, Type.BMPSTRING, false, units);
}

/** subject: [[attr, stringType, text or Buffer]] */
function name(subject) {
  return seq(subject.map(([attr, type, value]) => set([seq([oid(ATTRIBUTE[attr] ?? attr), stringNode(type, Buffer.isBuffer(value) ? value : encodeString(type, value))])])));
}

/** sans: [[tag, bytes or text]] — 1 email, 2 dNSName, 6 URI, 7 iPAddress, 8 registeredID */
function sanExtension(sans) {
  const names = seq(sans.map(([tag, value]) => asn1.create(Class.CONTEXT_SPECIFIC, tag, false, Buffer.from(value).toString('binary'))));
  const ext = seq([oid('2.5.29.17'), node(Type.OCTETSTRING, der(names))]);
  return seq([oid('1.2.840.113549.1.9.14'), set([seq([ext])])]);
}

const SIGNATURES = { rsa: ['1.2.840.113549.1.1.11', 'sha256', true], ec256: ['1.2.840.10045.4.3.2', 'sha256', false], ec384: ['1.2.840.10045.4.3.3', 'sha384', false], ed25519: ['1.3.101.112', null, false] };

/**
 * A DER request. `key` signs it (and gives the SPKI) unless `spki` is given; `junkSignature` puts
 * random bytes where the signature goes. `algorithm` names the signature algorithm row above.
 */
export function craftRequest({ subject = [['CN', 'utf8', 'web']], sans, key, spki, algorithm = 'rsa', junkSignature = false, extraExtensions = [] }) {
  const publicKey = spki ?? createPublicKey(key).export({ type: 'spki', format: 'der' });
  const attributes = [];
  if (sans || extraExtensions.length) {
    const ext = sanExtension(sans ?? []);
    if (extraExtensions.length) ext.value[1].value[0].value.push(...extraExtensions);
    attributes.push(ext);
  }
  const info = seq([
    node(Type.INTEGER, [0]),
    name(subject),
    fromDer(publicKey),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, attributes),
  ]);
  const [alg, hash, nullParams] = SIGNATURES[algorithm];
  const signature = junkSignature ? Buffer.alloc(256, 0x5a) : sign(hash, der(info), key);
  const algId = seq([oid(alg), ...(nullParams ? [node(Type.NULL, [])] : [])]);
  return der(seq([info, algId, node(Type.BITSTRING, Buffer.concat([Buffer.from([0]), signature]))]));
}

/** An RSA SubjectPublicKeyInfo with any modulus and exponent (no private key exists for it). */
export function rsaSpki(modulus, exponent) {
  const int = (b) => node(Type.INTEGER, b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  const rsaKey = der(seq([int(modulus), int(exponent)]));
  return der(seq([seq([oid('1.2.840.113549.1.1.1'), node(Type.NULL, [])]), node(Type.BITSTRING, Buffer.concat([Buffer.from([0]), rsaKey]))]));
}

export function pemRequest(derBytes) {
  return `-----BEGIN CERTIFICATE REQUEST-----\n${derBytes.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}
