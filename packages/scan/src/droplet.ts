// Reading a droplet (a gzip tarball) for its lifecycle files, streaming: the archive is never
// extracted and, unless its digest is wanted, reading stops once the files are found.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { visitTar } from '@cf-lifecycle/tar';

export const METADATA_PATH = '.cf-lifecycle/staging-metadata.json';
export const SBOM_PATH = '.cf-lifecycle/sbom.cdx.json';

export interface DropletContents {
  metadata?: string;
  sbom?: string;
  /** Present when `digest` was asked for: the sha256 of the droplet file as stored. */
  sha256?: string;
  size: number;
}

export async function isGzipFile(file: string): Promise<boolean> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

export async function readDroplet(file: string, opts: { sbom?: boolean; digest?: boolean } = {}): Promise<DropletContents> {
  const size = (await fs.promises.stat(file)).size;
  const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const gunzip = zlib.createGunzip();
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  const result: DropletContents = { size };
  const wanted = new Set([METADATA_PATH, ...(opts.sbom ? [SBOM_PATH] : [])]);
  try {
    await visitTar(gunzip as AsyncIterable<Buffer>, {
      want: (entry) => wanted.has(entry.name),
      content: (entry, data) => {
        if (entry.name === METADATA_PATH) result.metadata = data.toString('utf8');
        else result.sbom = data.toString('utf8');
        wanted.delete(entry.name);
        return wanted.size === 0;
      },
    });
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  if (opts.digest) result.sha256 = await sha256File(file);
  return result;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
