// The droplet layer: the droplet's entries (./app, ./deps, ./profile.d, ./staging_info.yml, ./tmp,
// ./logs, maybe ./.cf-lifecycle) re-rooted under home/vcap/, owned by vcap (2000:2000), which is where
// Diego extracts a droplet and where the launcher, started in /home/vcap, finds staging_info.yml.
// The droplet is first gunzipped to a file so that entries can be written in sorted order, each read
// back from its offset.
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { STAGING_METADATA_PATH, VCAP_GID, VCAP_HOME, VCAP_UID } from '@cf-lifecycle/contract';
import { FileInputError, chunksOf, openRegularFile } from '@cf-lifecycle/files';
import { isTarHeader, readAll, readTar, tarStream, TarFormatError, type TarHeader, type TarItem } from '@cf-lifecycle/tar';
import { OciError } from '../errors.ts';
import { HashingStream } from '../hashing.ts';
import type { LayerBlob, Layout } from '../layout.ts';
import { OCI_LIMITS } from '../limits.ts';
import { FIXED_MTIME } from './fixed.ts';

/** Where the droplet is extracted in the image (Diego's instance home). */
export const DROPLET_ROOT = VCAP_HOME.slice(1);

export interface DropletLayer extends LayerBlob {
  /** sha256 of the droplet file itself. */
  dropletDigest: string;
  /** The droplet's staging_info.yml, verbatim (undefined when it has none). */
  stagingInfo?: string;
  /** The droplet's staging metadata (contract's STAGING_METADATA_PATH), verbatim. */
  stagingMetadata?: string;
}

interface Member {
  header: TarHeader;
  offset: number;
}

/** A droplet path without `./`, checked to stay inside the droplet; '' for the root. */
export function dropletPath(raw: string): string {
  const trimmed = raw.replace(/^(\.?\/)+/, '');
  if (trimmed === '' || trimmed === '.') return '';
  const normal = path.posix.normalize(trimmed).replace(/\/+$/, '');
  if (normal === '.') return '';
  if (normal.startsWith('../') || normal === '..' || path.posix.isAbsolute(normal)) {
    throw new OciError(`the droplet contains an unsafe path ${JSON.stringify(raw)}: refusing to export it`);
  }
  return normal;
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Passes at most `max` bytes through; more is a gzip bomb (or a droplet far beyond any Cloud Foundry accepts). */
class ByteCap extends Transform {
  private seen = 0;

  constructor(
    private readonly max: number,
    private readonly droplet: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) callback(new OciError(`${this.droplet} unpacks to more than ${this.max} bytes: refusing to export it`));
    else callback(null, chunk);
  }
}

/**
 * Gunzips `droplet` into `tarFile` (a plain tar is copied), returning the droplet's own digest. The
 * droplet is opened once as a regular file and read from that descriptor; one that starts with neither
 * gzip's magic bytes nor a tar header is refused after its first block, never copied.
 */
async function unpackDroplet(droplet: string, tarFile: string): Promise<string> {
  let fd: number;
  try {
    fd = openRegularFile(droplet, { what: 'the droplet' }).fd;
  } catch (error) {
    if (error instanceof FileInputError) throw new OciError(error.message);
    throw error;
  }
  try {
    const head = Buffer.alloc(512);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    const gzipped = n >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    if (!gzipped && !(n === head.length && isTarHeader(head))) {
      throw new OciError(`${droplet} is not a droplet (a gzip tar): it starts with neither gzip's magic bytes nor a tar header`);
    }
    const hasher = new HashingStream();
    try {
      await pipeline([
        Readable.from(chunksOf(fd)),
        hasher,
        ...(gzipped ? [zlib.createGunzip()] : []),
        new ByteCap(OCI_LIMITS.dropletUncompressedBytes, droplet),
        fs.createWriteStream(tarFile),
      ]);
    } catch (error) {
      if (error instanceof OciError) throw error;
      throw new OciError(`${droplet} is not a droplet (a gzip tar): ${(error as Error).message}`);
    }
    return hasher.digest();
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads the droplet's members (the last of equal paths wins), with the two metadata files' contents. */
async function readMembers(tarFile: string, droplet: string): Promise<{ members: Map<string, Member>; stagingInfo?: string; stagingMetadata?: string }> {
  const members = new Map<string, Member>();
  let stagingInfo: string | undefined;
  let stagingMetadata: string | undefined;
  try {
    for await (const entry of readTar(fs.createReadStream(tarFile))) {
      const rel = dropletPath(entry.header.path);
      if (rel === '') continue;
      const header = { ...entry.header, path: rel };
      if (header.type === 'hardlink') header.linkname = dropletPath(header.linkname ?? '');
      members.delete(rel);
      members.set(rel, { header, offset: entry.offset });
      // Read whole only under their caps; a larger one is left out of the labels, not held.
      if (header.type === 'file') {
        const read = async () => (await readAll(entry.body())).toString('utf8');
        if (rel === 'staging_info.yml' && header.size <= OCI_LIMITS.stagingInfoBytes) stagingInfo = await read();
        else if (rel === STAGING_METADATA_PATH && header.size <= OCI_LIMITS.metadataBytes) stagingMetadata = await read();
      }
    }
  } catch (error) {
    if (error instanceof TarFormatError) throw new OciError(`${droplet} is not a droplet (a gzip tar): ${error.message}`);
    throw error;
  }
  return { members, stagingInfo, stagingMetadata };
}

/** The tar items of the layer, sorted, with parents and hard links put in order. */
export function dropletItems(members: Map<string, Member>, tarFile: string): TarItem[] {
  // Parent directories the droplet does not list get vcap's ownership and 0755, as `tar -x` would give.
  // A member under a symlink (`app/x -> /etc`, then `app/x/passwd`) would be written through it by a
  // careless extractor: refused.
  for (const rel of [...members.keys()]) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = members.get(parent);
      if (!existing) members.set(parent, { header: { path: parent, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0 }, offset: 0 });
      else if (existing.header.type !== 'dir') {
        throw new OciError(
          `the droplet contains ${JSON.stringify(rel)} under ${JSON.stringify(parent)}, ` +
            `which is not a directory (a ${existing.header.type}): refusing to export it`,
        );
      }
    }
  }

  // A hard link must follow the entry that holds the content. Sorting may reorder a group, so the
  // group's first path in sorted order takes the content and the others link to it.
  const contentOf = new Map<string, string>();
  const resolve = (rel: string, seen: Set<string>): string => {
    const member = members.get(rel);
    if (!member) throw new OciError(`the droplet has a hard link to ${JSON.stringify(rel)}, which it does not contain`);
    if (member.header.type !== 'hardlink') {
      if (member.header.type !== 'file') throw new OciError(`the droplet has a hard link to ${JSON.stringify(rel)}, which is not a regular file`);
      return rel;
    }
    if (seen.has(rel)) throw new OciError(`the droplet has a hard link loop at ${JSON.stringify(rel)}`);
    seen.add(rel);
    return resolve(member.header.linkname ?? '', seen);
  };
  const groups = new Map<string, string[]>();
  for (const [rel, member] of members) {
    if (member.header.type !== 'hardlink') continue;
    const source = resolve(rel, new Set());
    contentOf.set(rel, source);
    groups.set(source, [...(groups.get(source) ?? [source]), rel]);
  }
  const holderOf = new Map<string, { holder: string; source: string }>();
  for (const [source, paths] of groups) {
    const holder = [...paths].sort(byBytes)[0]!;
    for (const p of paths) holderOf.set(p, { holder, source });
  }

  const items: TarItem[] = [];
  for (const rel of [...members.keys()].sort(byBytes)) {
    const { header } = members.get(rel)!;
    const out: TarHeader = { path: `${DROPLET_ROOT}/${rel}`, type: header.type, mode: header.mode, uid: VCAP_UID, gid: VCAP_GID, size: 0, mtime: FIXED_MTIME };
    const group = holderOf.get(rel);
    if (group && group.holder !== rel) {
      items.push({ header: { ...out, type: 'hardlink', mode: members.get(group.source)!.header.mode, linkname: `${DROPLET_ROOT}/${group.holder}` } });
      continue;
    }
    const source = group ? members.get(group.source)! : members.get(rel)!;
    if (source.header.type === 'file') {
      const { offset } = source;
      const { size } = source.header;
      items.push({
        header: { ...out, type: 'file', mode: source.header.mode, size },
        content: () => fs.createReadStream(tarFile, { start: offset, end: offset + size - 1 }),
      });
    } else if (header.type === 'symlink') items.push({ header: { ...out, linkname: header.linkname ?? '' } });
    else if (header.type === 'char' || header.type === 'block') {
      throw new OciError(`the droplet contains a device file ${JSON.stringify(rel)}: refusing to export it`);
    } else items.push({ header: out });
  }
  return [
    { header: { path: 'home', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: FIXED_MTIME } },
    { header: { path: DROPLET_ROOT, type: 'dir', mode: 0o755, uid: VCAP_UID, gid: VCAP_GID, size: 0, mtime: FIXED_MTIME } },
    ...items,
  ];
}

/** Writes the droplet layer into `layout`, using `workDir` for the gunzipped droplet. */
export async function dropletLayer(layout: Layout, droplet: string, workDir: string): Promise<DropletLayer> {
  const tarFile = path.join(workDir, 'droplet.tar');
  try {
    const dropletDigest = await unpackDroplet(droplet, tarFile);
    const { members, stagingInfo, stagingMetadata } = await readMembers(tarFile, droplet);
    if (!members.has('staging_info.yml') && !members.has('app')) {
      throw new OciError(`${droplet} is not a droplet: it has neither ./app nor ./staging_info.yml`);
    }
    const blob = await layout.writeLayer(tarStream(dropletItems(members, tarFile)));
    return { ...blob, dropletDigest, ...(stagingInfo !== undefined && { stagingInfo }), ...(stagingMetadata !== undefined && { stagingMetadata }) };
  } finally {
    fs.rmSync(tarFile, { force: true });
  }
}
