// Extracting a buildpack zip (CONTRACT §2.6): every entry confined to the destination, directories
// and files with their recorded permissions, symlinks as symlinks, existing files overwritten.
//
// A zip is hostile input (a buildpack URL can serve anything; `droplet stage` extracts zips on the host
// as root), so before anything is written the central directory is checked: at most `maxEntries`
// entries and `maxBytes` declared uncompressed bytes (yauzl checks each entry's data against its
// declared size, so a zip bomb cannot expand past it), no device, fifo or socket entries. yauzl refuses
// absolute names and `..` components (backslashes count as slashes). Then every path is resolved on
// disk as it is written: an entry whose directory leads out of the destination through a symlink (an
// earlier entry `a -> /etc`, then `a/passwd`) and a symlink whose target lies outside are refused.
// Setuid, setgid and sticky bits are dropped.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const SPECIAL_TYPES = new Map<number, string>([
  [0o010000, 'a fifo'],
  [0o020000, 'a character device'],
  [0o060000, 'a block device'],
  [0o140000, 'a socket'],
]);
/** Longer symlink targets than PATH_MAX are not symlinks anyone made. */
const MAX_LINK_TARGET = 4096;
/** Linux's limit on symlinks followed while resolving one path. */
const MAX_LINK_HOPS = 40;

export interface ZipLimits {
  /** Entries in the central directory. */
  maxEntries: number;
  /** Declared uncompressed bytes of all entries together. */
  maxBytes: number;
}

/** Generous for buildpacks (offline buildpacks hold a few thousand files, a few GiB). */
export const ZIP_LIMITS: ZipLimits = { maxEntries: 100_000, maxBytes: 8 * 2 ** 30 };

/** A small part of Go's http.DetectContentType: enough to tell a zip from what servers send instead. */
export function sniffContentType(file: string): string {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(512);
  let n: number;
  try {
    n = fs.readSync(fd, head, 0, 512, 0);
  } finally {
    fs.closeSync(fd);
  }
  const b = head.subarray(0, n);
  const starts = (sig: number[]) => sig.every((byte, i) => b[i] === byte);
  if (starts([0x50, 0x4b, 0x03, 0x04])) return 'application/zip';
  if (starts([0x1f, 0x8b, 0x08])) return 'application/x-gzip';
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  if (starts([0x89, 0x50, 0x4e, 0x47])) return 'image/png';
  const text = b
    .toString('latin1')
    .replace(/^[\t\n\x0c\r ]+/, '')
    .toLowerCase();
  if (/^(<!doctype html|<html|<head|<body|<script|<title|<p[ >]|<h1|<div|<br|<table|<a[ >])/.test(text)) return 'text/html; charset=utf-8';
  if (text.startsWith('<?xml')) return 'text/xml; charset=utf-8';
  if (b.some((byte) => byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f))) return 'application/octet-stream';
  return 'text/plain; charset=utf-8';
}

/** A refusal or a damaged archive: one line, names quoted so that no byte of theirs reaches a terminal raw. */
export class ZipExtractError extends Error {}

const quote = (name: string): string => JSON.stringify(name);
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (err, zip) =>
      err ? reject(err) : resolve(zip!),
    ),
  );
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream!))));
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Calls `visit` for each central directory entry, one at a time, and resolves after the last. */
async function eachEntry(
  file: string,
  visit: (zip: yauzl.ZipFile, entry: yauzl.Entry) => Promise<void> | void,
  before?: (zip: yauzl.ZipFile) => void,
): Promise<void> {
  const zip = await openZip(file);
  try {
    before?.(zip);
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        Promise.resolve()
          .then(() => visit(zip, entry))
          .then(() => zip.readEntry(), reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

type Kind = 'dir' | 'symlink' | 'file';

function kindOf(entry: yauzl.Entry): Kind {
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  const special = SPECIAL_TYPES.get(type);
  if (special !== undefined) throw new ZipExtractError(`illegal file type in zip: ${quote(entry.fileName)} is ${special}`);
  if (entry.fileName.endsWith('/') || type === S_IFDIR) return 'dir';
  if (type === S_IFLNK) return 'symlink';
  if (type !== 0 && type !== S_IFREG) throw new ZipExtractError(`illegal file type in zip: ${quote(entry.fileName)} has type bits 0${type.toString(8)}`);
  return 'file';
}

/** The central directory alone: entry count, declared size and entry types, before anything is written. */
async function checkDirectory(file: string, limits: ZipLimits): Promise<void> {
  let total = 0;
  await eachEntry(
    file,
    (_zip, entry) => {
      kindOf(entry);
      total += entry.uncompressedSize;
      if (total > limits.maxBytes) throw new ZipExtractError(`zip too large: its entries expand to more than ${limits.maxBytes} bytes`);
    },
    (zip) => {
      if (zip.entryCount > limits.maxEntries) throw new ZipExtractError(`too many entries in zip: ${zip.entryCount} (at most ${limits.maxEntries})`);
    },
  );
}

/**
 * Where `rel` leads when resolved from the directory `from` (a path without symlinks) through the
 * file system as it is now: each existing symlink is followed, `..` steps up from where a symlink led.
 * Components that do not exist yet are taken as they are.
 */
function resolveOnDisk(from: string, rel: string, hops = { count: 0 }): string {
  let current = rel.startsWith('/') ? '/' : from;
  for (const part of rel.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, part);
    let isLink = false;
    try {
      isLink = fs.lstatSync(next).isSymbolicLink();
    } catch {
      // not there (yet)
    }
    if (!isLink) {
      current = next;
      continue;
    }
    if (++hops.count > MAX_LINK_HOPS) throw new ZipExtractError('too many levels of symbolic links');
    current = resolveOnDisk(current, fs.readlinkSync(next), hops);
  }
  return current;
}

const inside = (root: string, p: string): boolean => p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);

interface CreatedLink {
  name: string;
  file: string;
  target: string;
}

export async function extractZip(file: string, destination: string, limits: ZipLimits = ZIP_LIMITS): Promise<void> {
  const dest = fs.realpathSync(path.resolve(destination));
  try {
    await checkDirectory(file, limits);
    const links: CreatedLink[] = [];
    await eachEntry(file, (zip, entry) => extractEntry(zip, entry, dest, links));
    // A later entry can change where an earlier symlink leads (`a -> x/b/..`, then `x/b -> ..`).
    for (const link of links) {
      let current: string | undefined;
      try {
        current = fs.lstatSync(link.file).isSymbolicLink() ? fs.readlinkSync(link.file) : undefined;
      } catch {
        current = undefined;
      }
      if (current !== link.target) continue;
      if (!linkStaysInside(dest, path.dirname(link.file), link.target)) {
        fs.rmSync(link.file, { force: true });
        throw new ZipExtractError(`illegal symlink in zip: ${quote(link.name)} -> ${quote(link.target)} leads outside the destination`);
      }
    }
  } catch (err) {
    throw err instanceof ZipExtractError ? err : new ZipExtractError(oneLine((err as Error).message ?? String(err)));
  }
}

function linkStaysInside(dest: string, dir: string, target: string): boolean {
  try {
    return inside(dest, resolveOnDisk(dir, target));
  } catch {
    return false; // a loop
  }
}

async function extractEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, dest: string, links: CreatedLink[]): Promise<void> {
  const name = entry.fileName;
  if (name.includes('\0')) throw new ZipExtractError(`illegal file path in zip: ${quote(name)}`);
  const kind = kindOf(entry);
  const perm = (entry.externalFileAttributes >>> 16) & 0o777 || (kind === 'dir' ? 0o755 : 0o644);
  const rel = name.replace(/\/+$/, '');
  if (rel === '' || rel === '.') {
    if (kind === 'dir') return;
    throw new ZipExtractError(`illegal file path in zip: ${quote(name)}`);
  }
  // yauzl has refused absolute names and `..`; what is left to check is symlinks on the way.
  const parent = resolveOnDisk(dest, path.posix.dirname(rel));
  if (!inside(dest, parent)) throw new ZipExtractError(`illegal file path in zip: ${quote(name)} leads outside the destination through a symlink`);
  fs.mkdirSync(parent, { recursive: true, mode: 0o755 });
  const target = path.join(parent, path.posix.basename(rel));
  if (!inside(dest, target) || target === dest) throw new ZipExtractError(`illegal file path in zip: ${quote(name)}`);

  if (kind === 'dir') {
    fs.mkdirSync(target, { recursive: true, mode: perm });
    return;
  }
  if (kind === 'symlink') {
    if (entry.uncompressedSize > MAX_LINK_TARGET)
      throw new ZipExtractError(`illegal symlink in zip: ${quote(name)} has a target longer than ${MAX_LINK_TARGET} bytes`);
    const linkTarget = await readAll(await openEntry(zip, entry));
    if (linkTarget === '' || linkTarget.includes('\0') || !linkStaysInside(dest, parent, linkTarget)) {
      throw new ZipExtractError(`illegal symlink in zip: ${quote(name)} -> ${quote(linkTarget)} leads outside the destination`);
    }
    fs.rmSync(target, { force: true });
    fs.symlinkSync(linkTarget, target);
    links.push({ name, file: target, target: linkTarget });
    return;
  }
  // Replace rather than write through: an existing symlink at this path must not redirect the write.
  fs.rmSync(target, { force: true });
  await pipeline(await openEntry(zip, entry), fs.createWriteStream(target, { mode: perm, flags: 'wx' }));
}
