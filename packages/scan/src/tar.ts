// A small streaming tar reader: enough of POSIX ustar, pax (`path`, `size`) and GNU long names to
// find a few named entries in a droplet without extracting anything else. Entry data of files
// nobody asked for is skipped as it streams past. A droplet is untrusted input: memory stays bounded
// (extended headers and wanted contents have size limits) and every header moves the reader forward.
export interface TarEntry {
  /** The entry's path with any leading `./` removed. */
  name: string;
  type: string;
  size: number;
}

export interface TarVisitor {
  /** Called for each entry header; return true to receive the entry's content. */
  want(entry: TarEntry): boolean;
  /** The content of an entry `want` asked for; return true to stop reading the archive. */
  content(entry: TarEntry, data: Buffer): boolean | void;
}

export class TarFormatError extends Error {}

export interface TarLimits {
  /** A PAX extended header or GNU long name. */
  maxHeaderBytes: number;
  /** The content of an entry the visitor wants. */
  maxContentBytes: number;
}

export const TAR_LIMITS: TarLimits = { maxHeaderBytes: 1024 * 1024, maxContentBytes: 64 * 1024 * 1024 };

/** Reads a tar stream (already decompressed); resolves once the archive ends or the visitor says stop. */
export async function readTar(chunks: AsyncIterable<Buffer>, visitor: TarVisitor, limits: TarLimits = TAR_LIMITS): Promise<void> {
  let buffer: Buffer = Buffer.alloc(0);
  let skip = 0;
  let pending: { entry: TarEntry; parts: Buffer[]; left: number; pad: number } | undefined;
  let paxPath: string | undefined;
  let paxSize: number | undefined;
  let longName: string | undefined;
  let meta: { kind: 'pax' | 'gnu'; parts: Buffer[]; left: number; pad: number } | undefined;

  for await (const chunk of chunks) {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, buffer.length);
        buffer = buffer.subarray(n);
        skip -= n;
        if (skip > 0) break;
      }
      if (pending || meta) {
        const target = (pending ?? meta)!;
        const n = Math.min(target.left, buffer.length);
        target.parts.push(buffer.subarray(0, n));
        buffer = buffer.subarray(n);
        target.left -= n;
        if (target.left > 0) break;
        skip = target.pad;
        const data = Buffer.concat(target.parts);
        if (pending) {
          const entry = pending.entry;
          pending = undefined;
          if (visitor.content(entry, data) === true) return;
        } else if (meta!.kind === 'pax') {
          ({ path: paxPath, size: paxSize } = parsePax(data));
          meta = undefined;
        } else {
          longName = data.toString('utf8').replace(/\0.*$/s, '');
          meta = undefined;
        }
        continue;
      }
      if (buffer.length < 512) break;
      const header = buffer.subarray(0, 512);
      buffer = buffer.subarray(512);
      if (header.every((b) => b === 0)) return; // end-of-archive marker
      if (!validChecksum(header)) throw new TarFormatError('not a tar archive (bad header checksum)');
      const type = String.fromCharCode(header[156] || 48);
      const size = paxSize ?? parseNumber(header.subarray(124, 136));
      if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError('not a tar archive (invalid entry size)');
      const pad = (512 - (size % 512)) % 512;
      if (type === 'x' || type === 'L') {
        if (size > limits.maxHeaderBytes) throw new TarFormatError(`an extended tar header of ${size} bytes (at most ${limits.maxHeaderBytes})`);
        meta = { kind: type === 'x' ? 'pax' : 'gnu', parts: [], left: size, pad };
        paxSize = undefined;
        continue;
      }
      if (type === 'g' || type === 'K') {
        skip = size + pad;
        continue;
      }
      const rawName = cString(header.subarray(0, 100));
      const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? cString(header.subarray(345, 500)) : '';
      const name = paxPath ?? longName ?? (prefix ? `${prefix}/${rawName}` : rawName);
      paxPath = undefined;
      paxSize = undefined;
      longName = undefined;
      const entry: TarEntry = { name: name.replace(/^(\.\/)+/, '').replace(/^\/+/, ''), type, size };
      const hasData = type === '0' || type === '7' || type === '\0';
      const wanted = hasData && visitor.want(entry);
      if (wanted && size > limits.maxContentBytes) throw new TarFormatError(`${JSON.stringify(entry.name)} is ${size} bytes (at most ${limits.maxContentBytes} are read)`);
      if (wanted) pending = { entry, parts: [], left: size, pad };
      else skip = hasData ? size + pad : 0;
      if (pending && size === 0) {
        pending = undefined;
        if (visitor.content(entry, Buffer.alloc(0)) === true) return;
      }
    }
  }
  if (pending || meta || skip > 0 || buffer.length > 0) throw new TarFormatError('unexpected end of tar archive');
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}

/** Octal, or GNU base-256 for large sizes (high bit of the first byte set). */
function parseNumber(field: Buffer): number {
  if (field[0]! & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function validChecksum(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return sum === parseNumber(header.subarray(148, 156));
}

function parsePax(data: Buffer): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number.parseInt(data.subarray(at, space).toString('latin1'), 10);
    if (!(len > 0)) break;
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') out.path = value;
    else if (key === 'size') out.size = Number.parseInt(value, 10);
    at += len;
  }
  return out;
}
