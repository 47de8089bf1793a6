// Extracting a buildpack zip (CONTRACT §2.6): every entry confined to the destination, directories
// and files with their recorded modes, symlinks as symlinks, existing files overwritten.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

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
  const text = b.toString('latin1').replace(/^[\t\n\x0c\r ]+/, '').toLowerCase();
  if (/^(<!doctype html|<html|<head|<body|<script|<title|<p[ >]|<h1|<div|<br|<table|<a[ >])/.test(text)) return 'text/html; charset=utf-8';
  if (text.startsWith('<?xml')) return 'text/xml; charset=utf-8';
  if (b.some((byte) => byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f))) return 'application/octet-stream';
  return 'text/plain; charset=utf-8';
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true, strictFileNames: false, validateEntrySizes: true }, (err, zip) => (err ? reject(err) : resolve(zip!))),
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

/** The absolute path of an entry inside `dest`, or an error when it would land outside. */
function confined(dest: string, name: string): string {
  const target = path.resolve(dest, name.replace(/\\/g, '/'));
  if (target !== dest && !target.startsWith(dest + path.sep)) throw new Error(`illegal file path in zip: ${name}`);
  return target;
}

export async function extractZip(file: string, destination: string): Promise<void> {
  const dest = path.resolve(destination);
  const zip = await openZip(file);
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => {
      zip.close();
      reject(err);
    };
    zip.on('error', fail);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      handleEntry(zip, entry, dest).then(() => zip.readEntry(), fail);
    });
    zip.readEntry();
  });
}

async function handleEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, dest: string): Promise<void> {
  const target = confined(dest, entry.fileName);
  const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
  const type = unixMode & S_IFMT;
  const perm = unixMode & 0o7777;
  if (entry.fileName.endsWith('/') || type === S_IFDIR) {
    fs.mkdirSync(target, { recursive: true, mode: perm || 0o755 });
    return;
  }
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
  if (type === S_IFLNK) {
    const linkTarget = await readAll(await openEntry(zip, entry));
    fs.rmSync(target, { force: true });
    fs.symlinkSync(linkTarget, target);
    return;
  }
  // Replace rather than write through: an existing symlink at this path must not redirect the write.
  fs.rmSync(target, { force: true });
  await pipeline(await openEntry(zip, entry), fs.createWriteStream(target, { mode: perm || 0o644 }));
}
