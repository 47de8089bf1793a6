// Test helpers that run the built `dist/lifecycle/builder` as a process, the way an orchestrator does.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { xxhash64Hex } from '../../packages/contract/src/go/xxhash64.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const LIFECYCLE = path.join(ROOT, 'dist', 'lifecycle');
export const BUILDER = path.join(LIFECYCLE, 'builder');
export const FIXTURE_BUILDPACKS = path.join(ROOT, 'buildpacks-fixtures', 'buildpacks');
export const FIXTURE_APPS = path.join(ROOT, 'buildpacks-fixtures', 'apps');

export const md5Hex = (key: string): string => createHash('md5').update(key).digest('hex');
export { xxhash64Hex };

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs an executable with exactly `env` (no inheritance) and collects its output. */
export function run(
  file: string,
  args: readonly string[],
  opts: { env?: Record<string, string>; cwd?: string; argv0?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: opts.env ?? baseEnv(),
      cwd: opts.cwd,
      argv0: opts.argv0,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 50_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A minimal environment: what a staging container would give, without the test runner's variables. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: os.homedir(),
    LANG: 'C.UTF-8',
    ...extra,
  };
}

/** A scratch directory with the standard staging layout; removed by `cleanup()`. */
export class Workspace {
  readonly root: string;
  readonly buildDir: string;
  readonly buildpacksDir: string;
  readonly downloadDir: string;
  readonly cacheDir: string;
  readonly outputDroplet: string;
  readonly outputMetadata: string;
  readonly outputCache: string;
  readonly tmpDir: string;

  constructor(app: string | null = 'simple') {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-test-'));
    this.buildDir = path.join(this.root, 'app');
    this.buildpacksDir = path.join(this.root, 'buildpacks');
    this.downloadDir = path.join(this.root, 'buildpackdownloads');
    this.cacheDir = path.join(this.root, 'cache');
    this.outputDroplet = path.join(this.root, 'out', 'droplet');
    this.outputMetadata = path.join(this.root, 'out', 'result.json');
    this.outputCache = path.join(this.root, 'out', 'output-cache');
    this.tmpDir = path.join(this.root, 'tmp');
    fs.mkdirSync(this.tmpDir);
    fs.mkdirSync(this.buildpacksDir);
    if (app !== null) copyDir(path.join(FIXTURE_APPS, app), this.buildDir);
    else fs.mkdirSync(this.buildDir);
  }

  /** Installs a fixture buildpack under `<buildpacksDir>/<xxhash64(key)>` (or another layout). */
  installBuildpack(fixture: string, key = fixture, layout: 'xxhash' | 'md5' | 'nested' = 'xxhash'): string {
    const dirName = layout === 'md5' ? md5Hex(key) : xxhash64Hex(key);
    let dest = path.join(this.buildpacksDir, dirName);
    if (layout === 'nested') dest = path.join(dest, `${fixture}-nested`);
    copyDir(path.join(FIXTURE_BUILDPACKS, fixture), dest);
    return dest;
  }

  /** The builder's flags for this workspace, `-name=value` each, plus `extra` (later ones win). */
  args(order: readonly string[], opts: { skipDetect?: boolean; extra?: readonly string[] } = {}): string[] {
    return [
      `-buildDir=${this.buildDir}`,
      `-buildpacksDir=${this.buildpacksDir}`,
      `-buildpacksDownloadDir=${this.downloadDir}`,
      `-buildArtifactsCacheDir=${this.cacheDir}`,
      `-outputDroplet=${this.outputDroplet}`,
      `-outputMetadata=${this.outputMetadata}`,
      `-outputBuildArtifactsCache=${this.outputCache}`,
      `-buildpackOrder=${order.join(',')}`,
      `-skipDetect=${opts.skipDetect ? 'true' : 'false'}`,
      ...(opts.extra ?? []),
    ];
  }

  /** Runs the builder; TMPDIR points inside the workspace so leftovers can be checked. */
  stage(
    order: readonly string[],
    opts: { skipDetect?: boolean; extra?: readonly string[]; env?: Record<string, string>; cwd?: string } = {},
  ): Promise<RunResult> {
    return run(BUILDER, this.args(order, opts), { env: baseEnv({ TMPDIR: this.tmpDir, ...opts.env }), cwd: opts.cwd ?? this.root });
  }

  result(): unknown {
    return JSON.parse(fs.readFileSync(this.outputMetadata, 'utf8'));
  }

  /** Entries of the droplet as GNU tar lists them, sorted. */
  dropletListing(file = this.outputDroplet): string[] {
    return execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  }

  dropletFile(member: string, file = this.outputDroplet): string {
    return execFileSync('tar', ['-xOzf', file, member], { encoding: 'utf8' });
  }

  /** Files left in TMPDIR by the builder (there should be none). */
  leftovers(): string[] {
    return fs.readdirSync(this.tmpDir);
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export function copyDir(src: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  execFileSync('cp', ['-a', src, dest]);
}

export const DROPLET_CLI = path.join(ROOT, 'dist', 'cli', 'droplet.cjs');

/** Runs the built `droplet` CLI with the test runner's environment plus `env`. */
export function runCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 300_000): Promise<RunResult> {
  return run(process.execPath, [DROPLET_CLI, ...args], { env: { ...(process.env as Record<string, string>), ...env }, timeoutMs });
}
