// node-forge/lib/asn1 exports the forge.asn1 namespace (its last line: module.exports = forge.asn1);
// @types/node-forge describes only the package's index.
declare module 'node-forge/lib/asn1.js' {
  import type forge from 'node-forge';
  const asn1: typeof forge.asn1;
  export default asn1;
}
