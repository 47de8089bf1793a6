// A file's bytes from a descriptor the caller owns. (An fs.ReadStream on a descriptor closes it when
// destroyed, whatever `autoClose` says.)
import fs from 'node:fs';
import { promisify } from 'node:util';

const readAt = promisify(fs.read);

/** The bytes of `fd` from its start, 1 MiB at a time. */
export async function* chunksOf(fd: number): AsyncGenerator<Buffer> {
  let position = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(1 << 20);
    const { bytesRead } = await readAt(fd, buf, 0, buf.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}
