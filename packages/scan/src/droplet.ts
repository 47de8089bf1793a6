// Reading a droplet (a gzip tarball) for its lifecycle files, streaming: the archive is never
// extracted and, unless its digest is wanted, reading stops once the files are found. The file is
// opened once (regular files only, a FIFO never blocks) and everything is read from that descriptor;
// a file that is not gzip is told by its first two bytes, never read further.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { FileInputError, chunksOf, formatCap, openRegularFile } from '@cf-lifecycle/files';
import { visitTar } from '@cf-lifecycle/tar';
import { SBOM_PATH, STAGING_METADATA_PATH } from '@cf-lifecycle/contract';
import { InputError, LIMITS } from './limits.ts';

export interface DropletContents {
  metadata?: string;
  sbom?: string;
  /** Present when `digest` was asked for: the sha256 of the droplet file as stored. */
  sha256?: string;
  size: number;
}

/** A regular file opened for reading; `gzip` says whether it starts with gzip's magic bytes. The caller closes `fd`. */
export interface OpenedInput {
  fd: number;
  size: number;
  gzip: boolean;
}

/** Opens `file` as a regular file (else one-line InputError) and looks at its first two bytes. */
export function openInput(file: string, what?: string): OpenedInput {
  let opened: ReturnType<typeof openRegularFile>;
  try {
    opened = openRegularFile(file, what !== undefined ? { what } : {});
  } catch (err) {
    if (err instanceof FileInputError) throw new InputError(err.message);
    throw err;
  }
  const head = Buffer.alloc(2);
  let n = 0;
  try {
    n = fs.readSync(opened.fd, head, 0, 2, 0);
  } catch (err) {
    fs.closeSync(opened.fd);
    throw new InputError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { fd: opened.fd, size: opened.stat.size, gzip: n === 2 && head[0] === 0x1f && head[1] === 0x8b };
}

export async function isGzipFile(file: string): Promise<boolean> {
  const input = openInput(file);
  fs.closeSync(input.fd);
  return input.gzip;
}

/** Reads a whole regular file from an open descriptor under `maxBytes` (the size was checked by fstat). */
export function readOpened(input: OpenedInput, file: string, maxBytes: number): string {
  if (input.size > maxBytes) throw new InputError(`${file} is too large: ${input.size} bytes, at most ${formatCap(maxBytes)} are read`);
  const buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, input.size + 1));
  let total = 0;
  for (;;) {
    const n = fs.readSync(input.fd, buf, total, buf.length - total, total);
    if (n === 0) break;
    total += n;
    if (total === buf.length) break;
  }
  if (total > maxBytes) throw new InputError(`${file} is too large: it grew past ${formatCap(maxBytes)} while it was read`);
  return buf.subarray(0, total).toString('utf8');
}

export async function readDroplet(file: string, opts: { sbom?: boolean; digest?: boolean } = {}): Promise<DropletContents> {
  const input = openInput(file);
  try {
    if (!input.gzip) throw new InputError(`${file}: not a droplet: it does not start with gzip's magic bytes`);
    return await readOpenedDroplet(input, file, opts);
  } finally {
    fs.closeSync(input.fd);
  }
}

/** The lifecycle files of an opened gzip droplet; the caller closes the descriptor. */
export async function readOpenedDroplet(input: OpenedInput, file: string, opts: { sbom?: boolean; digest?: boolean } = {}): Promise<DropletContents> {
  const stream = Readable.from(chunksOf(input.fd), { objectMode: false });
  const gunzip = zlib.createGunzip();
  stream.on('error', (err) => gunzip.destroy(err));
  stream.pipe(gunzip);
  const result: DropletContents = { size: input.size };
  const wanted = new Set([STAGING_METADATA_PATH, ...(opts.sbom ? [SBOM_PATH] : [])]);
  const caps: Record<string, number> = { [STAGING_METADATA_PATH]: LIMITS.metadataBytes, [SBOM_PATH]: LIMITS.sbomBytes };
  try {
    await visitTar(
      gunzip as AsyncIterable<Buffer>,
      {
        want: (entry) => {
          if (!wanted.has(entry.name)) return false;
          // Checked from the header, before the content is read.
          const cap = caps[entry.name]!;
          if (entry.size > cap) throw new InputError(`${file}: ./${entry.name} is ${entry.size} bytes, at most ${formatCap(cap)} are read`);
          return true;
        },
        content: (entry, data) => {
          if (entry.name === STAGING_METADATA_PATH) result.metadata = data.toString('utf8');
          else result.sbom = data.toString('utf8');
          wanted.delete(entry.name);
          return wanted.size === 0;
        },
      },
      { maxContentBytes: LIMITS.sbomBytes },
    );
  } catch (err) {
    if (err instanceof InputError) throw err;
    // zlib's and the tar reader's messages, behind what the file is not.
    throw new InputError(`${file}: not a droplet (a gzip tarball): ${(err as Error).message}`);
  } finally {
    stream.unpipe(gunzip);
    stream.destroy();
    gunzip.destroy();
  }
  if (opts.digest) result.sha256 = await sha256Fd(input.fd);
  return result;
}

/** sha256 of a whole file read from its descriptor, from the start. */
export async function sha256Fd(fd: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunksOf(fd)) hash.update(chunk);
  return hash.digest('hex');
}

/** sha256 of a small file's bytes. */
export function sha256Text(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
