/**
 * Tar archives for `ca export | tar xvf -` (etcd-ca's habit). Modes are set on every entry: keys
 * 0600, certificates 0644 (tar-stream turns a mode of 0 into 0644, so it is never left to default).
 */
import { buffer } from 'node:stream/consumers';
import tar from 'tar-stream';

export interface TarEntry {
  name: string;
  data: Buffer;
  mode: number;
}

export async function tarArchive(entries: readonly TarEntry[], mtime: Date): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    pack.entry({ name: e.name, mode: e.mode, mtime, size: e.data.length, type: 'file' }, e.data);
  }
  pack.finalize();
  return buffer(pack);
}
