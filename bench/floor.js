// The floor of a one-shot certificate in Node (issue: start-up): start, have OpenSSL make a
// 2048-bit RSA key on the thread pool, write it 0600. What `ca create-api-certificate` takes beyond
// this is module loading, argument parsing, the store and the certificate: ours.
import { generateKeyPair } from 'node:crypto';
import { writeFileSync } from 'node:fs';

generateKeyPair('rsa', { modulusLength: 2048 }, (err, _publicKey, privateKey) => {
  if (err) throw err;
  writeFileSync(process.argv[2], privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
});
