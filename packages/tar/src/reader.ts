// Reading a tar stream entry by entry: ustar and GNU headers, PAX extended headers ('x'; global 'g'
// ones are skipped), GNU long names ('L', 'K') and base-256 numbers. Each entry's content can be
// streamed while it is the current one; what the caller leaves unread is skipped. Archives are
// untrusted input (droplets, stacks, oci-archives): memory stays bounded, every header moves the
// reader forward, and anything else is a TarFormatError.
import { TarFormatError } from './errors.ts';
import { BLOCK, cString, isTarHeader, isZeroBlock, padding, parseNumber, TYPE_OF_FLAG, type TarHeader } from './header.ts';
import { parsePax } from './pax.ts';

export interface TarLimits {
  /** A PAX extended header or GNU long name, read whole; real ones are a few hundred bytes. */
  maxHeaderBytes: number;
  /** The content of an entry read whole into memory (`visitTar`); streamed content has no limit. */
  maxContentBytes: number;
}

export const TAR_LIMITS: Readonly<TarLimits> = { maxHeaderBytes: 1024 * 1024, maxContentBytes: 64 * 1024 * 1024 };

export interface TarEntry {
  header: TarHeader;
  /** Where the entry's content starts in the (uncompressed) stream. */
  offset: number;
  /** The content, streamed; only while this entry is the current one. */
  body: () => AsyncIterable<Buffer>;
}

/** Buffered reads of exact byte counts from a stream of chunks. */
class ByteSource {
  position = 0;
  private chunks: Buffer[] = [];
  private available = 0;
  private done = false;
  private readonly iterator: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer> | Iterable<Buffer>) {
    this.iterator =
      Symbol.asyncIterator in source
        ? source[Symbol.asyncIterator]()
        : (async function* () {
            yield* source;
          })();
  }

  private async fill(wanted: number): Promise<void> {
    while (this.available < wanted && !this.done) {
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else if (next.value.length > 0) {
        this.chunks.push(next.value);
        this.available += next.value.length;
      }
    }
  }

  /** Up to `n` bytes (fewer only at the end of the stream). */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const parts: Buffer[] = [];
    let left = Math.min(n, this.available);
    while (left > 0) {
      const chunk = this.chunks[0]!;
      if (chunk.length <= left) {
        parts.push(chunk);
        this.chunks.shift();
        left -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, left));
        this.chunks[0] = chunk.subarray(left);
        left = 0;
      }
    }
    const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.available -= out.length;
    this.position += out.length;
    return out;
  }

  /** Exactly `n` bytes as a stream of chunks; `onChunk` sees each as it goes. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.available === 0) await this.fill(1);
      if (this.available === 0) throw new TarFormatError('unexpected end of tar archive (in the middle of an entry)');
      const chunk = await this.read(Math.min(left, this.chunks[0]!.length));
      left -= chunk.length;
      yield chunk;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.stream(n)) {
      // discard
    }
  }

  async end(): Promise<void> {
    await this.iterator.return?.();
  }
}

/** The entries of a tar stream, in archive order. Throws TarFormatError on anything that is not tar. */
export async function* readTar(source: AsyncIterable<Buffer> | Iterable<Buffer>, limits: Partial<TarLimits> = {}): AsyncGenerator<TarEntry> {
  const maxHeaderBytes = limits.maxHeaderBytes ?? TAR_LIMITS.maxHeaderBytes;
  const src = new ByteSource(source);
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  try {
    for (;;) {
      const block = await src.read(BLOCK);
      if (block.length === 0) return;
      if (block.length < BLOCK) throw new TarFormatError('unexpected end of tar archive (in the middle of a header)');
      if (isZeroBlock(block)) return;
      if (!isTarHeader(block)) throw new TarFormatError(`bad header checksum at byte ${src.position - BLOCK}: not a tar archive, or a damaged one`);
      const typeflag = String.fromCharCode(block[156]!);
      const rawSize = parseNumber(block, 124, 12);
      const size = pax.size !== undefined && !['x', 'g', 'L', 'K'].includes(typeflag) ? Number(pax.size) : rawSize;

      if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError(`invalid entry size at byte ${src.position - BLOCK}`);
      if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
        // Read whole into memory: bounded, whatever the header claims.
        if (rawSize > maxHeaderBytes)
          throw new TarFormatError(`an extended header of ${rawSize} bytes at byte ${src.position - BLOCK} (at most ${maxHeaderBytes})`);
        const body = await src.read(rawSize);
        if (body.length < rawSize) throw new TarFormatError('unexpected end of tar archive (in the middle of an entry)');
        await src.skip(padding(rawSize));
        if (typeflag === 'x') pax = { ...pax, ...parsePax(body) };
        else if (typeflag === 'L') longName = cString(body, 0, body.length);
        else if (typeflag === 'K') longLink = cString(body, 0, body.length);
        continue;
      }
      const type = TYPE_OF_FLAG[typeflag];
      if (!type) throw new TarFormatError(`unsupported tar entry type ${JSON.stringify(typeflag)} (${cString(block, 0, 100)})`);

      const posix = block.toString('latin1', 257, 263) === 'ustar\u0000';
      const prefix = posix ? cString(block, 345, 155) : '';
      const name = cString(block, 0, 100);
      const path = (pax.path ?? longName ?? (prefix ? `${prefix}/${name}` : name)).replace(/\/+$/, '');
      const header: TarHeader = {
        path,
        type,
        mode: parseNumber(block, 100, 8) & 0o7777,
        uid: pax.uid !== undefined ? Number(pax.uid) : parseNumber(block, 108, 8),
        gid: pax.gid !== undefined ? Number(pax.gid) : parseNumber(block, 116, 8),
        size: type === 'file' ? size : 0,
        mtime: pax.mtime !== undefined ? Math.floor(Number(pax.mtime)) : parseNumber(block, 136, 12),
      };
      const linkname = pax.linkpath ?? longLink ?? cString(block, 157, 100);
      if (type === 'symlink' || type === 'hardlink') header.linkname = linkname;
      if (type === 'char' || type === 'block') {
        header.devmajor = parseNumber(block, 329, 8);
        header.devminor = parseNumber(block, 337, 8);
      }
      pax = {};
      longName = undefined;
      longLink = undefined;

      // Hard links and the rest carry no content, whatever their size field says (except PAX/GNU files).
      const contentSize = type === 'file' ? size : 0;
      const offset = src.position;
      let remaining = contentSize;
      yield {
        header,
        offset,
        body: () =>
          (async function* () {
            for await (const chunk of src.stream(remaining)) {
              remaining -= chunk.length;
              yield chunk;
            }
          })(),
      };
      await src.skip(remaining);
      await src.skip(padding(contentSize));
    }
  } finally {
    await src.end();
  }
}

/** A whole entry's content, for small files (metadata). */
export async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk);
  return Buffer.concat(parts);
}
