/**
 * node-forge's ASN.1 codec: the one part of node-forge that clusterca uses (keys, signatures and
 * PKCS#12 encryption are Node's crypto; certificates, requests and CRLs are built in der.ts). Loaded
 * alone, as node-forge/lib/asn1 (with the util and oids it needs): the package's index loads all of
 * forge, TLS and ciphers included, which cost ~50 ms at every start-up against ~6 ms for these
 * (docs/performance.md, "Start-up"). forge is CommonJS: its modules export one namespace object.
 */
import type forge from 'node-forge';
import forgeAsn1 from 'node-forge/lib/asn1.js';

export const asn1: typeof forge.asn1 = forgeAsn1;
export type Asn1 = forge.asn1.Asn1;
