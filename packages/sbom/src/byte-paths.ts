// File names are bytes on Linux and need not be UTF-8 (a Latin-1 `caf\xe9.txt`). The walkers keep them
// as Buffers from readdir to open, so such a file is read like any other; only where a name becomes
// text (a dependency's source, a path in the metadata) is it rendered, with each byte that is not
// part of valid UTF-8 written as `\xNN`.
import { isUtf8 } from 'node:buffer';

const SLASH = Buffer.from('/');

/** `dir/name`, as bytes. */
export function joinBytes(dir: Buffer, name: Buffer): Buffer {
  return dir.length === 0 ? name : Buffer.concat([dir, SLASH, name]);
}

/** Bytes of a UTF-8 sequence led by `lead`, or 0 when it cannot lead one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** A name as text: UTF-8 as it is, any other byte as `\xNN` (`caf\xe9.txt`). */
export function displayName(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes[i]!);
    if (n > 0 && i + n <= bytes.length && isUtf8(bytes.subarray(i, i + n))) {
      out += bytes.toString('utf8', i, i + n);
      i += n;
    } else {
      out += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
      i += 1;
    }
  }
  return out;
}
