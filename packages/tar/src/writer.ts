// A tar stream written entry by entry, in the order given: the caller decides the order (sorted,
// for reproducible OCI layers). Content is streamed, and must be exactly `size` bytes long.
import { TarContentError } from './errors.ts';
import { BLOCK, encodeHeader, padding, type TarHeader } from './header.ts';

export interface TarItem {
  header: TarHeader;
  /** The content of a regular file: bytes, or a function opening a stream of them. */
  content?: Buffer | (() => AsyncIterable<Buffer>);
}

/** The bytes of a tar archive of `items`, ending with the two zero blocks. */
export async function* tarStream(items: AsyncIterable<TarItem> | Iterable<TarItem>): AsyncGenerator<Buffer> {
  for await (const item of items) {
    const { header } = item;
    yield encodeHeader(header);
    if (header.type !== 'file' || header.size === 0) continue;
    let written = 0;
    if (Buffer.isBuffer(item.content)) {
      written = item.content.length;
      if (written === header.size) yield item.content;
    } else if (item.content) {
      for await (const chunk of item.content()) {
        written += chunk.length;
        if (written > header.size) break;
        yield chunk;
      }
    }
    if (written !== header.size) {
      throw new TarContentError(`${header.path} changed while it was archived: expected ${header.size} bytes, read ${written}`);
    }
    const pad = padding(header.size);
    if (pad > 0) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(2 * BLOCK);
}
