// What the OCI tests share: the stack (built once by @cf-lifecycle/stack and cached), a droplet of
// hello-web staged on the host by the built builder (as scripts/demo.mjs does), a "patched" stack
// to rebase onto, and runners for the container tools, each with a time limit.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { ensureStack, type Stack } from '@cf-lifecycle/stack';
import { xxhash64Hex } from '../../packages/contract/src/go/xxhash64.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const LIFECYCLE = path.join(ROOT, 'dist', 'lifecycle');

const execFileP = promisify(execFile);

export interface Ran {
  stdout: string;
  stderr: string;
}

/** Runs a tool, failing with its stderr; `timeoutMs` kills it. */
export async function sh(file: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<Ran> {
  try {
    const { stdout, stderr } = await execFileP(file, args, {
      env: opts.env ?? process.env,
      timeout: opts.timeoutMs ?? 60_000,
      maxBuffer: 64 * 1024 * 1024,
      cwd: opts.cwd,
      killSignal: 'SIGKILL',
    });
    return { stdout, stderr };
  } catch (error) {
    const e = error as Error & { stderr?: string; stdout?: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

export function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    const candidate = path.join(dir, tool);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

export const isRoot = process.getuid?.() === 0;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** GETs `url` until it answers or `timeoutMs` passes. */
export async function getWhenUp(url: string, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return { status: res.status, body: await res.text() };
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} never answered: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The test stack: @cf-lifecycle/stack's minimal cflinuxfs2, built on first use (a few minutes) and cached. */
export function testStack(): Promise<Stack> {
  return ensureStack({ profile: 'minimal' });
}

/**
 * Stages buildpacks-fixtures/apps/hello-web with the python-web buildpack, on the host, into
 * `dir`/hello-web.tgz, with its staging metadata beside it (hello-web.tgz.metadata.json). hello-web listens on 127.0.0.1; with `listenOnAllInterfaces` the copy staged
 * here listens on 0.0.0.0, so that it answers on a pod's address as an app on Kubernetes must.
 */
export async function stageHelloWeb(dir: string, opts: { listenOnAllInterfaces?: boolean } = {}): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const buildDir = path.join(dir, 'app');
  const buildpacksDir = path.join(dir, 'buildpacks');
  fs.cpSync(path.join(ROOT, 'buildpacks-fixtures', 'apps', 'hello-web'), buildDir, { recursive: true });
  if (opts.listenOnAllInterfaces) {
    const server = path.join(buildDir, 'server.py');
    const source = fs.readFileSync(server, 'utf8');
    const changed = source.replace('HTTPServer(("127.0.0.1",', 'HTTPServer(("0.0.0.0",');
    if (changed === source) throw new Error(`${server} no longer binds ("127.0.0.1", …): update the OCI tests`);
    fs.writeFileSync(server, changed);
  }
  fs.mkdirSync(buildpacksDir);
  fs.cpSync(path.join(ROOT, 'buildpacks-fixtures', 'buildpacks', 'python-web'), path.join(buildpacksDir, xxhash64Hex('python-web')), { recursive: true });
  const droplet = path.join(dir, 'hello-web.tgz');
  await sh(
    path.join(LIFECYCLE, 'builder'),
    [
      `-buildDir=${buildDir}`,
      `-buildpacksDir=${buildpacksDir}`,
      `-buildArtifactsCacheDir=${path.join(dir, 'cache')}`,
      `-outputDroplet=${droplet}`,
      `-outputMetadata=${path.join(dir, 'result.json')}`,
      `-outputBuildArtifactsCache=${path.join(dir, 'output-cache.tgz')}`,
      // The staging metadata, in the droplet and beside it (docs/staging-metadata.md): the image's labels.
      `-outputStagingMetadata=${droplet}.metadata.json`,
      '-buildpackOrder=python-web',
    ],
    { env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', TMPDIR: dir, CF_STACK: 'cflinuxfs2' }, timeoutMs: 60_000 },
  );
  return droplet;
}

/**
 * "The next stack version": the test stack's tarball with one more file, /etc/cf-stack/patched, as a
 * security update would add, recompressed reproducibly. Same name, version `<version>-patched`.
 */
export async function patchedStack(stack: Stack, dir: string): Promise<Stack & { marker: string }> {
  const tar = path.join(dir, 'patched.tar');
  await pipeline(fs.createReadStream(stack.tarball), zlib.createGunzip(), fs.createWriteStream(tar));
  const extra = path.join(dir, 'patch-root');
  fs.mkdirSync(path.join(extra, 'etc', 'cf-stack'), { recursive: true });
  const marker = 'patched for the rebase test\n';
  fs.writeFileSync(path.join(extra, 'etc', 'cf-stack', 'patched'), marker);
  await sh('tar', ['--append', '--file', tar, '--numeric-owner', '--owner=0', '--group=0', '--mtime=@315532801', '-C', extra, './etc/cf-stack/patched']);
  const tarball = path.join(dir, `${stack.name}-${stack.profile}-${stack.version}-patched.tar.gz`);
  const hash = createHash('sha256');
  await pipeline(
    fs.createReadStream(tar),
    zlib.createGzip({ level: 6 }),
    async function* (source) {
      for await (const chunk of source) {
        hash.update(chunk as Buffer);
        yield chunk;
      }
    },
    fs.createWriteStream(tarball),
  );
  fs.rmSync(tar);
  return { ...stack, version: `${stack.version}-patched`, tarball, sha256: hash.digest('hex'), marker };
}

/** Spawns a long-running process with its output in `logFile`. */
export function spawnLogged(file: string, args: readonly string[], logFile: string, env?: NodeJS.ProcessEnv) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(file, args, { stdio: ['ignore', out, out], env: env ?? process.env, detached: true });
  fs.closeSync(out);
  return child;
}
