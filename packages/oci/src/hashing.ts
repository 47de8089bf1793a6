// sha256 digests as OCI writes them (`sha256:<hex>`), of buffers, files and streams in flight.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function digestOf(data: Buffer | string): string {
  return `sha256:${sha256Hex(data)}`;
}

/** `sha256:<hex>` → `<hex>`, refusing anything else (a digest names a file under blobs/sha256/). */
export function hexOf(digest: string): string {
  const match = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!match) throw new Error(`unsupported digest ${JSON.stringify(digest)}: only sha256 is supported`);
  return match[1]!;
}

/** Passes bytes through unchanged, counting and hashing them. */
export class HashingStream extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    callback(null, chunk);
  }

  /** `sha256:<hex>`; call once, after the stream has ended. */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** sha256 of a file, streamed: `sha256:<hex>`. */
export async function digestFile(file: string): Promise<string> {
  const hasher = new HashingStream();
  await pipeline(fs.createReadStream(file), hasher, async (source: AsyncIterable<Buffer>) => {
    for await (const _ of source) {
      // drain
    }
  });
  return hasher.digest();
}
