// The oci-archive: a plain tar of an image layout, as `skopeo copy … oci-archive:` writes and
// `skopeo inspect oci-archive:`, `podman load` and `umoci` (after unpacking) read it. Ours is
// reproducible: names sorted, owners 0:0, one fixed mtime.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileInputError, chunksOf, openRegularFile } from '@cf-lifecycle/files';
import { readTar, tarStream, TarFormatError, type TarItem } from '@cf-lifecycle/tar';
import { OciError } from './errors.ts';
import { FIXED_MTIME } from './layers/fixed.ts';
import type { Layout } from './layout.ts';
import { OCI_LIMITS } from './limits.ts';

function* layoutItems(layout: Layout): Generator<TarItem> {
  const dir = (p: string): TarItem => ({ header: { path: p, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: FIXED_MTIME } });
  const file = (p: string): TarItem => {
    const abs = path.join(layout.dir, p);
    const { size } = fs.statSync(abs);
    return { header: { path: p, type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtime: FIXED_MTIME }, content: () => fs.createReadStream(abs) };
  };
  yield dir('blobs');
  yield dir('blobs/sha256');
  for (const name of layout.blobNames()) yield file(`blobs/sha256/${name}`);
  yield file('index.json');
  yield file('oci-layout');
}

/** Writes the layout as a tar at `output`, atomically: a temporary file beside it, renamed into place. */
export async function writeArchive(layout: Layout, output: string): Promise<void> {
  const temp = path.join(path.dirname(output), `.${path.basename(output)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await pipeline(Readable.from(tarStream(layoutItems(layout))), fs.createWriteStream(temp, { mode: 0o644 }));
    fs.renameSync(temp, output);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/** The layout files an image archive may hold: anything else in it is skipped, never written. */
const LAYOUT_FILE = /^(oci-layout|index\.json|blobs\/sha256\/[0-9a-f]{64})$/;

/**
 * Unpacks an oci-archive into `dir` (an empty directory): only the layout's own files, nothing
 * outside it. The archive is opened once as a regular file; one that is not a tar fails at its first
 * header, and one with more than OCI_LIMITS.archiveEntries members is refused.
 */
export async function extractArchive(archive: string, dir: string): Promise<void> {
  if (!fs.existsSync(archive)) throw new OciError(`${archive} does not exist: pass an image written by droplet export`);
  let fd: number;
  try {
    fd = openRegularFile(archive, { what: 'the image' }).fd;
  } catch (error) {
    if (error instanceof FileInputError) throw new OciError(error.message);
    throw error;
  }
  let entries = 0;
  try {
    fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
    for await (const entry of readTar(chunksOf(fd))) {
      if (++entries > OCI_LIMITS.archiveEntries) {
        throw new OciError(`${archive} has more than ${OCI_LIMITS.archiveEntries} members: not an image written by droplet export`);
      }
      const rel = path.posix.normalize(entry.header.path.replace(/^(\.\/)+/, ''));
      if (rel === '.' || rel === '') continue;
      if (rel.startsWith('/') || rel.split('/').includes('..')) throw new OciError(`${archive} contains an unsafe path ${JSON.stringify(entry.header.path)}`);
      if (entry.header.type !== 'file' || !LAYOUT_FILE.test(rel)) continue;
      const abs = path.join(dir, rel);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      await pipeline(Readable.from(entry.body()), fs.createWriteStream(abs));
    }
  } catch (error) {
    if (error instanceof TarFormatError) throw new OciError(`${archive} is not an oci-archive (${error.message})`);
    throw error;
  } finally {
    fs.closeSync(fd);
  }
}
