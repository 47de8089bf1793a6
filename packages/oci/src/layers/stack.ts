// The stack layer: the stack's root filesystem. Its blob is the stack tarball itself when that is a
// reproducible gzip (no file name, mtime 0: what @cf-lifecycle/stack writes), so every app exported
// on the same stack version shares one layer digest and a registry stores it once. Any other tarball
// is recompressed with our fixed zlib settings and the result cached beside it, keyed by its sha256.
// Hashing a stack (about 100 MB compressed, 300 MB uncompressed) takes a few seconds, so what was
// learnt is kept in `<tarball>.oci-layer.json` and reused while the tarball is unchanged.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { BLOCK, isTarHeader, tarStream, type TarHeader, type TarItem } from '@cf-lifecycle/tar';
import { OciError } from '../errors.ts';
import { HashingStream, hexOf } from '../hashing.ts';
import { GZIP_OPTIONS, type LayerBlob, type Layout } from '../layout.ts';

/** What the export needs of a stack (a `Stack` of @cf-lifecycle/stack fits). */
export interface StackInput {
  name: string;
  version: string;
  rootfsDir: string;
  /** The .tar.gz of the rootfs; '' when there is none (the layer is then made from rootfsDir). */
  tarball: string;
  /** sha256 of the tarball, hex, when already known. */
  sha256?: string;
}

export interface StackLayer extends LayerBlob {
  /** sha256 of the stack tarball (hex), or of the layer made from the directory. */
  stackSha256: string;
  /** How the blob was made. */
  source: 'tarball' | 'recompressed' | 'directory';
}

interface SidecarRecord {
  format: 1;
  tarballSize: number;
  tarballMtimeMs: number;
  tarballSha256: string;
  digest: string;
  size: number;
  diffId: string;
  /** File name (beside the tarball) of the recompressed blob; absent when the tarball is the blob. */
  recompressed?: string;
}

type Log = (message: string) => void;

/** A gzip header with no file name, comment or extra field and mtime 0: the same input gives the same bytes. */
export function isReproducibleGzip(header: Buffer): boolean {
  if (header.length < 10 || header[0] !== 0x1f || header[1] !== 0x8b || header[2] !== 8) return false;
  const flags = header[3]!;
  return (flags & (0x04 | 0x08 | 0x10)) === 0 && header.readUInt32LE(4) === 0;
}

/** Checks that the first block of an uncompressed stream is a tar header. */
class TarSniffer extends Transform {
  private head = Buffer.alloc(0);
  private checked = false;
  private readonly what: string;

  constructor(what: string) {
    super();
    this.what = what;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.checked) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length >= BLOCK) {
        this.checked = true;
        if (!isTarHeader(this.head.subarray(0, BLOCK))) {
          callback(new OciError(`${this.what} is not a tar archive: pass a stack tarball (.tar.gz of a root filesystem)`));
          return;
        }
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.checked) callback(new OciError(`${this.what} is empty or not a tar archive: pass a stack tarball (.tar.gz of a root filesystem)`));
    else callback();
  }
}

function sidecarPath(tarball: string): string {
  return `${tarball}.oci-layer.json`;
}

function readSidecar(tarball: string, st: fs.Stats, sha256: string | undefined): SidecarRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(sidecarPath(tarball), 'utf8')) as SidecarRecord;
    if (record.format !== 1 || record.tarballSize !== st.size || record.tarballMtimeMs !== st.mtimeMs) return undefined;
    if (sha256 && record.tarballSha256 !== sha256) return undefined;
    hexOf(record.digest);
    hexOf(record.diffId);
    if (record.recompressed !== undefined && !fs.existsSync(path.join(path.dirname(tarball), record.recompressed))) return undefined;
    return record;
  } catch {
    return undefined;
  }
}

/** Best effort: a stack directory we cannot write to only costs the next export the hashing again. */
function writeSidecar(tarball: string, record: SidecarRecord): void {
  const temp = `${sidecarPath(tarball)}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    fs.writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
    fs.renameSync(temp, sidecarPath(tarball));
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

function readHeader(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const header = Buffer.alloc(10);
    const n = fs.readSync(fd, header, 0, 10, 0);
    return header.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Hashes a reproducible gzip tarball: the blob digest, and the diff_id of what it decompresses to. */
async function hashTarball(tarball: string): Promise<{ digest: string; size: number; diffId: string }> {
  const compressed = new HashingStream();
  const uncompressed = new HashingStream();
  await pipeline(
    fs.createReadStream(tarball),
    compressed,
    zlib.createGunzip(),
    new TarSniffer(tarball),
    uncompressed,
    async (source: AsyncIterable<Buffer>) => {
      for await (const _ of source) {
        // drain
      }
    },
  );
  return { digest: compressed.digest(), size: compressed.bytes, diffId: uncompressed.digest() };
}

/** Recompresses a tarball (gzip or plain tar) with our fixed settings into `target`. */
async function recompress(tarball: string, gzipped: boolean, target: string): Promise<{ digest: string; size: number; diffId: string; tarballSha256: string }> {
  const input = new HashingStream();
  const uncompressed = new HashingStream();
  const compressed = new HashingStream();
  await pipeline([
    fs.createReadStream(tarball),
    input,
    ...(gzipped ? [zlib.createGunzip()] : []),
    new TarSniffer(tarball),
    uncompressed,
    zlib.createGzip(GZIP_OPTIONS),
    compressed,
    fs.createWriteStream(target),
  ]);
  return { digest: compressed.digest(), size: compressed.bytes, diffId: uncompressed.digest(), tarballSha256: hexOf(input.digest()) };
}

async function layerFromTarball(layout: Layout, stack: StackInput, log: Log): Promise<StackLayer> {
  const { tarball } = stack;
  let st: fs.Stats;
  try {
    st = fs.statSync(tarball);
  } catch {
    throw new OciError(`the stack tarball ${tarball} does not exist: rebuild the stack (droplet stack) or pass --stack PATH`);
  }
  const cached = readSidecar(tarball, st, stack.sha256 || undefined);
  if (cached) {
    const blobFile = cached.recompressed !== undefined ? path.join(path.dirname(tarball), cached.recompressed) : tarball;
    await layout.importFile(blobFile, cached.digest);
    log(`stack layer ${cached.digest} (${cached.recompressed !== undefined ? 'recompressed' : 'the stack tarball'}, cached)`);
    return {
      digest: cached.digest,
      size: cached.size,
      diffId: cached.diffId,
      stackSha256: cached.tarballSha256,
      source: cached.recompressed !== undefined ? 'recompressed' : 'tarball',
    };
  }

  const header = readHeader(tarball);
  const gzipped = header[0] === 0x1f && header[1] === 0x8b;
  try {
    if (gzipped && isReproducibleGzip(header)) {
      log(`hashing the stack tarball ${tarball}`);
      const { digest, size, diffId } = await hashTarball(tarball);
      const tarballSha256 = hexOf(digest);
      if (stack.sha256 && stack.sha256 !== tarballSha256) {
        throw new OciError(`the stack tarball ${tarball} has sha256 ${tarballSha256}, not ${stack.sha256} as its stack record says: rebuild the stack`);
      }
      writeSidecar(tarball, { format: 1, tarballSize: st.size, tarballMtimeMs: st.mtimeMs, tarballSha256, digest, size, diffId });
      await layout.importFile(tarball, digest);
      log(`stack layer ${digest} (the stack tarball as is)`);
      return { digest, size, diffId, stackSha256: tarballSha256, source: 'tarball' };
    }

    // Recompress beside the tarball when we may write there, else straight into the layout.
    log(`recompressing the stack tarball ${tarball} reproducibly (its gzip header has a name or a time)`);
    const dir = path.dirname(tarball);
    const temp = path.join(dir, `.${path.basename(tarball)}.oci-${randomBytes(4).toString('hex')}`);
    let target = temp;
    try {
      fs.writeFileSync(temp, '');
    } catch {
      target = path.join(layout.dir, 'blobs', 'sha256', `.tmp-stack-${randomBytes(4).toString('hex')}`);
    }
    try {
      const result = await recompress(tarball, gzipped, target);
      if (target === temp) {
        const name = `${path.basename(tarball)}.oci-layer-${result.tarballSha256.slice(0, 16)}.tar.gz`;
        fs.renameSync(temp, path.join(dir, name));
        writeSidecar(tarball, {
          format: 1,
          tarballSize: st.size,
          tarballMtimeMs: st.mtimeMs,
          tarballSha256: result.tarballSha256,
          digest: result.digest,
          size: result.size,
          diffId: result.diffId,
          recompressed: name,
        });
        await layout.importFile(path.join(dir, name), result.digest);
      } else {
        fs.renameSync(target, layout.blobPath(result.digest));
      }
      log(`stack layer ${result.digest} (recompressed)`);
      return { digest: result.digest, size: result.size, diffId: result.diffId, stackSha256: result.tarballSha256, source: 'recompressed' };
    } finally {
      fs.rmSync(temp, { force: true });
      if (target !== temp) fs.rmSync(target, { force: true });
    }
  } catch (error) {
    if (error instanceof OciError) throw error;
    throw new OciError(`cannot read the stack tarball ${tarball}: ${(error as Error).message}`);
  }
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Tar items of a rootfs directory in sorted order, with owners, modes and mtimes as they are on disk. */
export function* directoryItems(root: string): Generator<TarItem> {
  const firstOfInode = new Map<string, string>();
  function* walk(rel: string): Generator<TarItem> {
    const names = fs.readdirSync(rel === '' ? root : path.join(root, rel)).sort(byBytes);
    for (const name of names) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const abs = path.join(root, relPath);
      const st = fs.lstatSync(abs);
      const base: Omit<TarHeader, 'type'> = { path: relPath, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: Math.floor(st.mtimeMs / 1000) };
      if (st.isDirectory()) {
        yield { header: { ...base, type: 'dir' } };
        yield* walk(relPath);
      } else if (st.isSymbolicLink()) yield { header: { ...base, type: 'symlink', linkname: fs.readlinkSync(abs) } };
      else if (st.isFile()) {
        const inode = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? firstOfInode.get(inode) : undefined;
        if (first !== undefined) yield { header: { ...base, type: 'hardlink', linkname: first } };
        else {
          if (st.nlink > 1) firstOfInode.set(inode, relPath);
          yield { header: { ...base, type: 'file', size: st.size }, content: () => fs.createReadStream(abs) };
        }
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const rdev = st.rdev;
        const devmajor = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
        const devminor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
        yield { header: { ...base, type: st.isCharacterDevice() ? 'char' : 'block', devmajor, devminor } };
      } else if (st.isFIFO()) yield { header: { ...base, type: 'fifo' } };
      // Sockets cannot be archived; a rootfs has none at rest.
    }
  }
  yield* walk('');
}

/** The stack layer in `layout`: from the stack tarball, or from the rootfs directory when there is none. */
export async function stackLayer(layout: Layout, stack: StackInput, log: Log): Promise<StackLayer> {
  if (stack.tarball) return layerFromTarball(layout, stack, log);
  if (!stack.rootfsDir || !fs.existsSync(stack.rootfsDir)) {
    throw new OciError(`the stack ${stack.name} ${stack.version} has neither a tarball nor a rootfs directory: rebuild it (droplet stack)`);
  }
  log(`archiving the stack rootfs ${stack.rootfsDir} (no tarball; file capabilities are not kept)`);
  const blob = await layout.writeLayer(tarStream(directoryItems(stack.rootfsDir)));
  return { ...blob, stackSha256: hexOf(blob.diffId), source: 'directory' };
}
