// gzip on every core: the stream is cut into chunks, each compressed on libuv's thread pool as an
// independent gzip member, and the members are written in order. A file of concatenated members is
// standard gzip (RFC 1952 §2.2): gzip, GNU tar and every zlib reader read it as one stream.
import fs from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gzip = promisify(zlib.gzip);

export interface GzipOptions {
  level?: number;
  chunkSize?: number;
  /** Chunks being compressed at once (memory stays at about 2 × concurrency × chunkSize). */
  concurrency?: number;
}

export class ParallelGzipWriter {
  private readonly fd: number;
  private readonly level: number;
  private readonly chunkSize: number;
  private readonly concurrency: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inFlight: Array<Promise<Buffer>> = [];
  bytesIn = 0;
  bytesOut = 0;

  constructor(file: string, opts: GzipOptions = {}) {
    this.fd = fs.openSync(file, 'w', 0o666);
    this.level = opts.level ?? 6;
    this.chunkSize = opts.chunkSize ?? 1 << 22;
    this.concurrency = opts.concurrency ?? Math.max(2, os.availableParallelism());
  }

  async write(data: Buffer): Promise<void> {
    this.pending.push(data);
    this.pendingBytes += data.length;
    this.bytesIn += data.length;
    if (this.pendingBytes >= this.chunkSize) await this.dispatch();
  }

  private async dispatch(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const chunk = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlight.push(gzip(chunk, { level: this.level }));
    // Keep at most `concurrency` chunks in the pool; write the oldest as soon as it is done.
    while (this.inFlight.length >= this.concurrency) await this.flushOldest();
  }

  private async flushOldest(): Promise<void> {
    const member = await this.inFlight.shift()!;
    let off = 0;
    while (off < member.length) off += fs.writeSync(this.fd, member, off, member.length - off);
    this.bytesOut += member.length;
  }

  /** Compresses what is left, writes every member and closes the file. */
  async close(): Promise<void> {
    try {
      await this.dispatch();
      while (this.inFlight.length > 0) await this.flushOldest();
    } finally {
      fs.closeSync(this.fd);
    }
  }

  /** Closes the file after a failure, without waiting for the members. */
  abort(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    // Let the pool finish quietly.
    for (const p of this.inFlight) p.catch(() => undefined);
    this.inFlight = [];
  }
}
