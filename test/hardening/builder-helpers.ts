// Helpers of the builder hardening tests (test/hardening/builder-*.test.ts): buildpacks written by
// the test as shell scripts, a walk over every file under a directory (names as bytes), and the
// processes still running whose command line holds a marker.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { xxhash64Hex, type Workspace } from '../helpers/stage.ts';

/** A buildpack of shell scripts under `<buildpacksDir>/<xxhash64(key)>/bin/`; returns its directory. */
export function scriptBuildpack(ws: Workspace, key: string, scripts: Record<string, string>): string {
  const dir = path.join(ws.buildpacksDir, xxhash64Hex(key));
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  for (const [name, body] of Object.entries(scripts)) fs.writeFileSync(path.join(dir, 'bin', name), `#!/usr/bin/env bash\nset -e\n${body}\n`, { mode: 0o755 });
  return dir;
}

/** The scripts of a buildpack that always detects, compiles nothing and releases `web: serve`. */
export const PLAIN = { detect: 'echo Plain', compile: 'true', release: "printf -- '---\\ndefault_process_types:\\n  web: serve\\n'" };

/** Every path under `dir` (files, links, directories), as bytes, relative to `dir`. */
export function walk(dir: string | Buffer): Buffer[] {
  const root = Buffer.isBuffer(dir) ? dir : Buffer.from(dir);
  const out: Buffer[] = [];
  const visit = (rel: Buffer) => {
    const full = rel.length === 0 ? root : Buffer.concat([root, Buffer.from('/'), rel]);
    for (const name of fs.readdirSync(full, { encoding: 'buffer' })) {
      const child = rel.length === 0 ? name : Buffer.concat([rel, Buffer.from('/'), name]);
      out.push(child);
      if (fs.lstatSync(Buffer.concat([root, Buffer.from('/'), child])).isDirectory()) visit(child);
    }
  };
  if (fs.existsSync(root)) visit(Buffer.alloc(0));
  return out;
}

/** Pids of running (not zombie) processes whose command line contains `marker`. */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A TCP server on 127.0.0.1 that accepts connections and never sends a byte. */
export async function silentServer(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function waitFor(probe: () => boolean, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    if (probe()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return probe();
}
