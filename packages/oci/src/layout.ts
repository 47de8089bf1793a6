// An OCI image layout directory (image-spec image-layout.md): `oci-layout`, `index.json` and the
// content-addressed blobs under `blobs/sha256/`. Blobs are written under a temporary name and renamed
// to their digest once complete, so a blob file with its final name is always whole.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { FileInputError, formatCap, readFileBounded } from '@cf-lifecycle/files';
import { canonicalJson } from './canonical-json.ts';
import { OciError } from './errors.ts';
import { HashingStream, digestFile, digestOf, hexOf } from './hashing.ts';
import { OCI_LIMITS } from './limits.ts';
import { MEDIA_TYPE_INDEX, OCI_LAYOUT_VERSION, type Descriptor, type Index } from './media-types.ts';

/** zlib settings of every layer we compress: fixed, so equal tars give equal blobs. Node's gzip header has no name and mtime 0. */
export const GZIP_OPTIONS: zlib.ZlibOptions = { level: 6, memLevel: 8, windowBits: 15, strategy: zlib.constants.Z_DEFAULT_STRATEGY };

export interface LayerBlob {
  /** Digest of the compressed blob. */
  digest: string;
  size: number;
  /** Digest of the uncompressed tar (the config's rootfs.diff_ids). */
  diffId: string;
}

export class Layout {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** A new, empty layout in `dir` (created; it must be empty or absent). */
  static create(dir: string): Layout {
    fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'oci-layout'), `${canonicalJson({ imageLayoutVersion: OCI_LAYOUT_VERSION })}`);
    return new Layout(dir);
  }

  /** An existing layout; OciError when `dir` is not one. */
  static open(dir: string): Layout {
    let marker: unknown;
    try {
      marker = JSON.parse(readFileBounded(path.join(dir, 'oci-layout'), { maxBytes: OCI_LIMITS.ociLayoutBytes }).toString('utf8'));
    } catch {
      throw new OciError(`${dir} is not an OCI image layout (no readable oci-layout file of at most ${formatCap(OCI_LIMITS.ociLayoutBytes)})`);
    }
    if ((marker as { imageLayoutVersion?: unknown }).imageLayoutVersion !== OCI_LAYOUT_VERSION) {
      throw new OciError(`${dir} has an unsupported image layout version: expected ${OCI_LAYOUT_VERSION}`);
    }
    return new Layout(dir);
  }

  blobPath(digest: string): string {
    return path.join(this.dir, 'blobs', 'sha256', hexOf(digest));
  }

  hasBlob(digest: string): boolean {
    return fs.existsSync(this.blobPath(digest));
  }

  private tempPath(): string {
    return path.join(this.dir, 'blobs', 'sha256', `.tmp-${randomBytes(6).toString('hex')}`);
  }

  /** Stores bytes as a blob and returns their descriptor. */
  writeBlob(data: Buffer, mediaType: string): Descriptor {
    const digest = digestOf(data);
    const target = this.blobPath(digest);
    if (!fs.existsSync(target)) {
      const temp = this.tempPath();
      fs.writeFileSync(temp, data);
      fs.renameSync(temp, target);
    }
    return { mediaType, digest, size: data.length };
  }

  /** Stores a JSON document (canonical: sorted keys, no whitespace) as a blob. */
  writeJson(value: unknown, mediaType: string): Descriptor {
    return this.writeBlob(Buffer.from(canonicalJson(value), 'utf8'), mediaType);
  }

  /** A manifest or config blob, at most OCI_LIMITS.jsonBlobBytes, checked against its descriptor's digest and size. */
  readJson<T>(descriptor: Descriptor): T {
    if (typeof descriptor?.digest !== 'string') throw new OciError(`a descriptor without a digest (${String(descriptor?.mediaType)}): the image is damaged`);
    if (typeof descriptor.size !== 'number' || descriptor.size > OCI_LIMITS.jsonBlobBytes) {
      const cap = formatCap(OCI_LIMITS.jsonBlobBytes);
      throw new OciError(`blob ${descriptor.digest} (${descriptor.mediaType}) declares ${descriptor.size} bytes: at most ${cap} are read`);
    }
    let data: Buffer;
    try {
      data = readFileBounded(this.blobPath(descriptor.digest), { maxBytes: OCI_LIMITS.jsonBlobBytes });
    } catch (error) {
      if (error instanceof FileInputError && fs.existsSync(this.blobPath(descriptor.digest))) throw new OciError(`blob ${descriptor.digest}: ${error.message}`);
      throw new OciError(`the image lacks blob ${descriptor.digest} (${descriptor.mediaType})`);
    }
    if (data.length !== descriptor.size || digestOf(data) !== descriptor.digest) {
      throw new OciError(`blob ${descriptor.digest} does not match its descriptor: the image is damaged`);
    }
    try {
      return JSON.parse(data.toString('utf8')) as T;
    } catch {
      throw new OciError(`blob ${descriptor.digest} (${descriptor.mediaType}) is not JSON: the image is damaged`);
    }
  }

  /** Compresses a tar stream into a gzip layer blob, hashing it before and after compression. */
  async writeLayer(tar: AsyncIterable<Buffer>): Promise<LayerBlob> {
    const uncompressed = new HashingStream();
    const compressed = new HashingStream();
    const temp = this.tempPath();
    try {
      await pipeline(Readable.from(tar, { objectMode: false }), uncompressed, zlib.createGzip(GZIP_OPTIONS), compressed, fs.createWriteStream(temp));
    } catch (error) {
      fs.rmSync(temp, { force: true });
      throw error;
    }
    const digest = compressed.digest();
    fs.renameSync(temp, this.blobPath(digest));
    return { digest, size: compressed.bytes, diffId: uncompressed.digest() };
  }

  /**
   * Stores an existing file as a blob: a hard link when it is on the same file system (a stack
   * tarball is large and never modified in place), else a copy. `digest` saves hashing it again.
   */
  async importFile(file: string, digest?: string): Promise<{ digest: string; size: number }> {
    const actual = digest ?? (await digestFile(file));
    const target = this.blobPath(actual);
    if (!fs.existsSync(target)) {
      const temp = this.tempPath();
      try {
        fs.linkSync(file, temp);
      } catch {
        fs.copyFileSync(file, temp);
      }
      fs.renameSync(temp, target);
    }
    return { digest: actual, size: fs.statSync(target).size };
  }

  writeIndex(manifests: Descriptor[]): void {
    const index: Index = { schemaVersion: 2, mediaType: MEDIA_TYPE_INDEX, manifests };
    const temp = path.join(this.dir, `.index-${randomBytes(6).toString('hex')}.json`);
    fs.writeFileSync(temp, canonicalJson(index));
    fs.renameSync(temp, path.join(this.dir, 'index.json'));
  }

  readIndex(): Index {
    let index: Index;
    try {
      index = JSON.parse(readFileBounded(path.join(this.dir, 'index.json'), { maxBytes: OCI_LIMITS.indexBytes }).toString('utf8')) as Index;
    } catch {
      throw new OciError(`${this.dir} has no readable index.json of at most ${formatCap(OCI_LIMITS.indexBytes)}: not an OCI image layout`);
    }
    if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests)) throw new OciError(`${this.dir}/index.json lists no manifests`);
    return index;
  }

  /** Every blob file, sorted by name. */
  blobNames(): string[] {
    return fs
      .readdirSync(path.join(this.dir, 'blobs', 'sha256'))
      .filter((name) => /^[0-9a-f]{64}$/.test(name))
      .sort();
  }

  /** Removes blobs no descriptor in `keep` names. */
  removeBlobsExcept(keep: ReadonlySet<string>): void {
    for (const name of this.blobNames()) if (!keep.has(`sha256:${name}`)) fs.rmSync(path.join(this.dir, 'blobs', 'sha256', name), { force: true });
  }
}
