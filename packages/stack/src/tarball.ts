// The stack tarball: GNU tar of the rootfs (root `./`, numeric owners, sorted names, file capabilities)
// gzip-compressed by zlib while its sha256 is computed; and the reverse, for `openStack(tarball)`.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { StackError } from './errors.ts';
import { requireTool } from './tools.ts';

type OnFraction = (fraction: number) => void;

/** Counts (and optionally hashes) the bytes flowing through, reporting progress every 1%. */
class Meter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly total: number;
  private readonly onFraction: OnFraction | undefined;
  private reported = -1;

  constructor(total: number, onFraction?: OnFraction) {
    super();
    this.total = total;
    this.onFraction = onFraction;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (this.onFraction && this.total > 0) {
      const percent = Math.min(99, Math.floor((this.bytes / this.total) * 100));
      if (percent > this.reported) {
        this.reported = percent;
        this.onFraction(percent / 100);
      }
    }
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/** Roughly the size of the tar stream of `dir`: file sizes in 512-byte blocks plus a header per entry. */
export function estimateTarSize(dir: string): number {
  let total = 1024;
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      total += 512;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) total += Math.ceil(fs.lstatSync(full).size / 512) * 512;
    }
  };
  walk(dir);
  return total;
}

// GNU tar flags shared by packing and unpacking: owners as numbers (vcap is 2000 whatever the host's
// /etc/passwd says), and file capabilities (security.capability xattrs) kept.
const XATTRS = ['--xattrs', '--xattrs-include=security.capability'];

/** Writes `target` (.tar.gz of `rootfsDir` with root `./`) and returns its sha256. */
export async function createTarball(rootfsDir: string, target: string, options: { onFraction?: OnFraction; signal?: AbortSignal } = {}): Promise<string> {
  const tar = requireTool('tar', 'tar');
  const total = estimateTarSize(rootfsDir);
  const child = spawn(tar, ['--create', '--file=-', '--numeric-owner', '--sort=name', '--one-file-system', ...XATTRS, `--directory=${rootfsDir}`, '.'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const counter = new Meter(total, options.onFraction);
  const hasher = new Meter(0);
  try {
    await pipeline(child.stdout, counter, zlib.createGzip({ level: 6 }), hasher, fs.createWriteStream(target, { mode: 0o644 }), { signal: options.signal });
  } catch (error) {
    child.kill('SIGKILL');
    await exited.catch(() => undefined);
    if (options.signal?.aborted) throw new StackError('compressing the stack was interrupted');
    throw new StackError(`writing ${target} failed: ${(error as Error).message}`);
  }
  const code = await exited;
  if (code !== 0) throw new StackError(`tar failed (exit ${code}) packing ${rootfsDir}: ${stderr.trim().split('\n').pop() ?? ''}`);
  return hasher.digest();
}

/** sha256 of a file, streamed. */
export async function sha256File(file: string, onFraction?: OnFraction): Promise<string> {
  const meter = new Meter(fs.statSync(file).size, onFraction);
  await pipeline(fs.createReadStream(file), meter, async (source: AsyncIterable<Buffer>) => {
    for await (const _ of source) {
      // drain
    }
  });
  return meter.digest();
}

/** Extracts a .tar.gz (or plain .tar) into `destDir` as root does: owners, modes and capabilities kept. */
export async function extractTarball(tarball: string, destDir: string, options: { onFraction?: OnFraction; signal?: AbortSignal } = {}): Promise<void> {
  const tar = requireTool('tar', 'tar');
  const head = Buffer.alloc(2);
  const fd = fs.openSync(tarball, 'r');
  try {
    fs.readSync(fd, head, 0, 2, 0);
  } finally {
    fs.closeSync(fd);
  }
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  fs.mkdirSync(destDir, { recursive: true });
  const child = spawn(tar, ['--extract', '--file=-', '--numeric-owner', '--same-permissions', ...XATTRS, `--directory=${destDir}`], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const meter = new Meter(fs.statSync(tarball).size, options.onFraction);
  const stages: NodeJS.ReadWriteStream[] = gzipped ? [meter, zlib.createGunzip()] : [meter];
  try {
    await pipeline([fs.createReadStream(tarball), ...stages, child.stdin], { signal: options.signal });
  } catch (error) {
    child.kill('SIGKILL');
    await exited.catch(() => undefined);
    if (options.signal?.aborted) throw new StackError('extracting the stack was interrupted');
    throw new StackError(`${tarball} is not a readable stack tarball (${(error as Error).message}): pass a .tar.gz of a root filesystem`);
  }
  const code = await exited;
  if (code !== 0)
    throw new StackError(`${tarball} could not be extracted (tar exit ${code}: ${stderr.trim().split('\n').pop() ?? ''}): pass a .tar.gz of a root filesystem`);
}
