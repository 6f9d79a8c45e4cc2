// Reads a tar archive into [{ name, mode, data }] with tar-stream, for asserting what export wrote.
import tar from 'tar-stream';
import { Readable } from 'node:stream';

export async function readTar(buffer) {
  const extract = tar.extract();
  const entries = [];
  const done = new Promise((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        entries.push({ name: header.name, mode: header.mode, data: Buffer.concat(chunks) });
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([buffer]).pipe(extract);
  await done;
  return entries;
}
