// A real TLS handshake on loopback between Node's tls (OpenSSL) server and client, bounded in time.
// Resolves with what each side saw; the server requires and verifies a client certificate. With
// `diagnose`, the server completes the handshake anyway and reports OpenSSL's verification error
// (authorizationError), so a test can check why a certificate was refused.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const read = (f) => (f ? readFileSync(f) : undefined);

export function handshake({ server, client, servername = 'localhost', timeoutMs = 5000, diagnose = false }) {
  return new Promise((resolve, reject) => {
    const result = { serverAccepted: false, serverError: null, clientError: null, clientAuthorized: false, verifyError: null };
    const srv = tls.createServer({
      key: read(server.key),
      cert: read(server.cert),
      pfx: server.pfx ? readFileSync(server.pfx) : undefined,
      passphrase: server.passphrase,
      ca: read(server.ca),
      requestCert: true,
      rejectUnauthorized: !diagnose,
    });
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      srv.close();
      resolve(result);
    };
    const timer = setTimeout(() => {
      srv.close();
      reject(new Error('handshake timed out'));
    }, timeoutMs);
    srv.on('secureConnection', (socket) => {
      result.serverAccepted = socket.authorized;
      const why = socket.authorizationError;
      result.verifyError = why ? (typeof why === 'string' ? why : (why.code ?? why.message)) : null;
      socket.end('ok');
    });
    srv.on('tlsClientError', (err) => {
      result.serverError = err.message;
    });
    srv.listen(0, '127.0.0.1', () => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: srv.address().port,
        servername: servername === '127.0.0.1' ? undefined : servername,
        ca: read(client.ca),
        key: read(client.key),
        cert: read(client.cert),
        pfx: client.pfx ? readFileSync(client.pfx) : undefined,
        passphrase: client.passphrase,
      });
      socket.on('secureConnect', () => {
        result.clientAuthorized = socket.authorized;
      });
      socket.on('data', () => socket.end());
      socket.on('error', (err) => {
        result.clientError = err.code ?? err.message;
        setTimeout(finish, 50);
      });
      socket.on('close', () => setTimeout(finish, 50));
    });
  });
}
