/**
 * Reading PKCS#12 files (RFC 7292) for `ca inspect`: which certificates a file holds, whether it
 * holds a key and of what type, and the friendly names, once the password has opened it (the MAC
 * is checked first: a wrong password is told as such, not as a damaged file). Decryption is Node's
 * (OpenSSL's): the legacy PBE-SHA1-3DES that `ca export` writes, PBES2 with AES or 3DES (OpenSSL 3's
 * default); RC2, OpenSSL 1's default for certificates, is in OpenSSL 3's legacy provider only and
 * is named in the error. Key material is decrypted to learn its type and is never returned.
 */
import { createDecipheriv, createHmac, createPrivateKey, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { failure } from '../error.js';
import { Type, bytesOf, children, isContext, parse, primitive, readOid, readUnsigned, type Node } from '../pki/der.js';
import { keyLabel } from '../pki/request-description.js';
import { MAX_P12_ITERATIONS, pkcs12Kdf } from './p12.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  pbeSha1TripleDes: '1.2.840.113549.1.12.1.3',
  pbeSha1Rc2_40: '1.2.840.113549.1.12.1.6',
  pbeSha1Rc2_128: '1.2.840.113549.1.12.1.5',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
};
const MAC_HASHES: Record<string, 'sha1' | 'sha256'> = { '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256' };
const PRF_HASHES: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};

export interface Pkcs12Contents {
  /** DER, in the file's order */
  certificates: { der: Buffer; friendlyName: string | null }[];
  keys: { key: string; encrypted: boolean; friendlyName: string | null }[];
}

/** What reading one file carries along: its password, its name for messages, and what it may still cost. */
interface Reading {
  password: string;
  source: string;
  iterationsLeft: number;
}

/**
 * A file's key derivations together (its MAC and each encrypted bag) are bounded too: three times
 * what one may ask, enough for a MAC, a key and encrypted certificates, however many bags it holds.
 */
const MAX_TOTAL_ITERATIONS = 3 * MAX_P12_ITERATIONS;

/** The outer shape of a PFX (version 3, authSafe of type data), read without the password. */
export function isPkcs12(der: Buffer): boolean {
  try {
    const [version, authSafe] = children(parse(der), Type.SEQUENCE, 'PFX', 2);
    return readUnsigned(version, 'version').equals(Buffer.from([3])) && readOid(children(authSafe, Type.SEQUENCE, 'authSafe', 2)[0], 'contentType') === OID.data;
  } catch {
    return false;
  }
}

/** Throws a one-line CaError for a wrong password or what cannot be read; `source` names the file. */
export function readPkcs12(der: Buffer, password: string, source: string): Pkcs12Contents {
  const r: Reading = { password, source, iterationsLeft: MAX_TOTAL_ITERATIONS };
  const [, authSafe, mac] = children(parse(der), Type.SEQUENCE, 'PFX', 2);
  const content = explicitOctets(children(authSafe, Type.SEQUENCE, 'authSafe', 2)[1]);
  if (mac) checkMac(mac, content, r);
  const contents: Pkcs12Contents = { certificates: [], keys: [] };
  for (const info of children(parse(content), Type.SEQUENCE, 'AuthenticatedSafe')) {
    const [typeNode, body] = children(info, Type.SEQUENCE, 'ContentInfo', 2);
    const type = readOid(typeNode, 'contentType');
    if (type === OID.data) readSafeContents(explicitOctets(body), r, contents);
    else if (type === OID.encryptedData) readSafeContents(decryptedData(body!, r), r, contents);
    else throw failure(`${r.source} holds content of a kind this CA cannot read (${type}), e.g. public-key encryption`);
  }
  return contents;
}

function checkMac(mac: Node, content: Buffer, r: Reading): void {
  const [digestInfo, saltNode, iterationsNode] = children(mac, Type.SEQUENCE, 'MacData', 2);
  const [algorithm, digestNode] = children(digestInfo, Type.SEQUENCE, 'DigestInfo', 2);
  const oid = readOid(children(algorithm, Type.SEQUENCE, 'digestAlgorithm', 1)[0], 'digest algorithm');
  const hash = MAC_HASHES[oid];
  if (!hash) throw failure(`${r.source} is protected by a MAC this CA cannot check (${oid})`, 'open it with `openssl pkcs12 -info -nokeys`');
  const iterations = iterationsNode ? count(iterationsNode, r) : 1;
  const key = pkcs12Kdf(hash, r.password, primitive(saltNode, Type.OCTETSTRING, 'macSalt'), 3, iterations, hash === 'sha1' ? 20 : 32);
  const expected = createHmac(hash, key).update(content).digest();
  const digest = primitive(digestNode, Type.OCTETSTRING, 'digest');
  if (digest.length !== expected.length || !timingSafeEqual(digest, expected)) {
    throw failure(`the password does not open ${r.source} (its integrity check does not match)`, 'check the password given with --password-file or CA_P12_PASSWORD');
  }
}

/** Iteration counts bounded as `ca export` bounds them: a file cannot make `ca` hash for hours. */
function count(node: Node, r: Reading): number {
  const bytes = readUnsigned(node, 'iterations');
  const n = bytes.length > 4 ? Infinity : bytes.readUIntBE(0, bytes.length);
  if (n < 1 || n > MAX_P12_ITERATIONS || n > r.iterationsLeft) {
    throw failure(`${r.source} asks for ${bytes.length > 4 ? 'too many' : n} iterations; at most ${MAX_P12_ITERATIONS} each, ${MAX_TOTAL_ITERATIONS} in all, are read`);
  }
  r.iterationsLeft -= n;
  return n;
}

/** [0] EXPLICIT OCTET STRING, primitive or (BER) constructed. */
function explicitOctets(node: Node | undefined): Buffer {
  if (!isContext(node, 0)) throw new Error('expected [0]');
  return octetsOf((node!.value as Node[])[0]);
}

function octetsOf(node: Node | undefined): Buffer {
  if (node && Array.isArray(node.value)) return Buffer.concat((node.value as Node[]).map(octetsOf));
  return primitive(node, Type.OCTETSTRING, 'OCTET STRING');
}

function decryptedData(body: Node, r: Reading): Buffer {
  const [, encryptedContentInfo] = children((body.value as Node[])[0], Type.SEQUENCE, 'EncryptedData', 2);
  const [, algorithm, encrypted] = children(encryptedContentInfo, Type.SEQUENCE, 'EncryptedContentInfo', 3);
  if (!isContext(encrypted, 0)) throw new Error('encryptedContent: expected [0]');
  const bytes = Array.isArray(encrypted!.value) ? Buffer.concat((encrypted!.value as Node[]).map(octetsOf)) : Buffer.from(encrypted!.value as string, 'binary');
  return decrypt(algorithm!, bytes, r);
}

function decrypt(algorithm: Node, data: Buffer, r: Reading): Buffer {
  const [oidNode, params] = children(algorithm, Type.SEQUENCE, 'encryption algorithm', 1);
  const oid = readOid(oidNode, 'encryption algorithm');
  let cipher: { name: string; key: Buffer; iv: Buffer };
  if (oid === OID.pbeSha1TripleDes) {
    const [salt, iterations] = children(params, Type.SEQUENCE, 'PBE parameters', 2);
    const s = primitive(salt, Type.OCTETSTRING, 'salt');
    const n = count(iterations!, r);
    cipher = { name: 'des-ede3-cbc', key: pkcs12Kdf('sha1', r.password, s, 1, n, 24), iv: pkcs12Kdf('sha1', r.password, s, 2, n, 8) };
  } else if (oid === OID.pbes2) {
    cipher = pbes2(params!, r);
  } else if (oid === OID.pbeSha1Rc2_40 || oid === OID.pbeSha1Rc2_128) {
    throw failure(`${r.source} is encrypted with RC2, which OpenSSL 3 reads only with its legacy provider`, `read it with: openssl pkcs12 -legacy -info -nokeys -in ${r.source}`);
  } else {
    throw failure(`${r.source} is encrypted with an algorithm this CA cannot read (${oid})`);
  }
  try {
    const decipher = createDecipheriv(cipher.name, cipher.key, cipher.iv);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw failure(`${r.source} could not be decrypted with this password`, 'check the password given with --password-file or CA_P12_PASSWORD');
  }
}

/** PBES2 (RFC 8018 6.2): PBKDF2 over the password's bytes, as OpenSSL passes them, then the cipher. */
function pbes2(params: Node, r: Reading): { name: string; key: Buffer; iv: Buffer } {
  const [kdf, scheme] = children(params, Type.SEQUENCE, 'PBES2 parameters', 2);
  const [kdfOid, kdfParams] = children(kdf, Type.SEQUENCE, 'keyDerivationFunc', 2);
  if (readOid(kdfOid, 'keyDerivationFunc') !== OID.pbkdf2) throw failure(`${r.source} derives its keys with something other than PBKDF2`);
  const [salt, iterations, ...more] = children(kdfParams, Type.SEQUENCE, 'PBKDF2 parameters', 2);
  const prfNode = more.find((n) => n.type === Type.SEQUENCE);
  const prf = prfNode ? PRF_HASHES[readOid(children(prfNode, Type.SEQUENCE, 'prf', 1)[0], 'prf')] : 'sha1';
  const [schemeOid, ivNode] = children(scheme, Type.SEQUENCE, 'encryptionScheme', 2);
  const cipher = CIPHERS[readOid(schemeOid, 'encryptionScheme')];
  if (!prf || !cipher) throw failure(`${r.source} is encrypted with an algorithm this CA cannot read`);
  const key = pbkdf2Sync(Buffer.from(r.password, 'utf8'), primitive(salt, Type.OCTETSTRING, 'salt'), count(iterations!, r), cipher.keyLength, prf);
  return { name: cipher.name, key, iv: primitive(ivNode, Type.OCTETSTRING, 'iv') };
}

function readSafeContents(der: Buffer, r: Reading, into: Pkcs12Contents): void {
  for (const bag of children(parse(der), Type.SEQUENCE, 'SafeContents')) {
    const [idNode, valueNode, attributes] = children(bag, Type.SEQUENCE, 'SafeBag', 2);
    const id = readOid(idNode, 'bagId');
    if (!isContext(valueNode, 0)) throw new Error('bagValue: expected [0]');
    const value = (valueNode!.value as Node[])[0]!;
    const friendlyName = friendlyNameOf(attributes);
    if (id === OID.certBag) {
      const [certType, certValue] = children(value, Type.SEQUENCE, 'CertBag', 2);
      if (readOid(certType, 'certId') === OID.x509Certificate) into.certificates.push({ der: explicitOctets(certValue), friendlyName });
    } else if (id === OID.keyBag || id === OID.shroudedKeyBag) {
      const pkcs8 = id === OID.keyBag ? bytesOf(value) : shrouded(value, r);
      into.keys.push({ key: keyLabel(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })), encrypted: id === OID.shroudedKeyBag, friendlyName });
    }
  }
}

function shrouded(value: Node, r: Reading): Buffer {
  const [algorithm, data] = children(value, Type.SEQUENCE, 'EncryptedPrivateKeyInfo', 2);
  return decrypt(algorithm!, primitive(data, Type.OCTETSTRING, 'encryptedData'), r);
}

function friendlyNameOf(attributes: Node | undefined): string | null {
  if (!attributes || !Array.isArray(attributes.value)) return null;
  for (const attr of attributes.value as Node[]) {
    const [type, values] = children(attr, Type.SEQUENCE, 'attribute', 2);
    if (readOid(type, 'attribute type') !== OID.friendlyName) continue;
    const value = children(values, Type.SET, 'friendlyName values', 1)[0]!;
    // A BMPString (PKCS #9), which forge's parser has already decoded from UTF-16; else UTF-8 bytes.
    if (typeof value.value !== 'string') return null;
    return value.type === Type.BMPSTRING ? value.value : Buffer.from(value.value, 'binary').toString('utf8');
  }
  return null;
}
