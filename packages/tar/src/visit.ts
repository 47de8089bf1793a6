// Picking a few small files out of a large archive (a droplet's metadata and SBOM) without extracting
// anything: the visitor is offered each regular file and gets the content of those it wants, read
// whole under `maxContentBytes`; everything else streams past. Built on `readTar`.
import { TarFormatError } from './errors.ts';
import type { TarType } from './header.ts';
import { readAll, readTar, TAR_LIMITS, type TarLimits } from './reader.ts';

export interface VisitedEntry {
  /** The entry's path with any leading `./` and `/` removed. */
  name: string;
  type: TarType;
  size: number;
}

export interface TarVisitor {
  /** Called for each regular file; return true to receive its content. */
  want(entry: VisitedEntry): boolean;
  /** The content of an entry `want` asked for; return true to stop reading the archive. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a visitor that returns nothing reads on
  content(entry: VisitedEntry, data: Buffer): boolean | void;
}

/** Reads a tar stream (already decompressed); resolves once the archive ends or the visitor says stop. */
export async function visitTar(source: AsyncIterable<Buffer> | Iterable<Buffer>, visitor: TarVisitor, limits: Partial<TarLimits> = {}): Promise<void> {
  const maxContentBytes = limits.maxContentBytes ?? TAR_LIMITS.maxContentBytes;
  for await (const { header, body } of readTar(source, limits)) {
    if (header.type !== 'file') continue;
    const entry: VisitedEntry = { name: header.path.replace(/^(\.\/)+/, '').replace(/^\/+/, ''), type: header.type, size: header.size };
    if (!visitor.want(entry)) continue;
    if (entry.size > maxContentBytes) throw new TarFormatError(`${JSON.stringify(entry.name)} is ${entry.size} bytes (at most ${maxContentBytes} are read)`);
    if (visitor.content(entry, await readAll(body())) === true) return;
  }
}
