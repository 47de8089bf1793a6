// Shared by the `droplet stage` hardening tests (stage-*.test.ts): a scratch area whose TMPDIR (the
// CLI's workspaces and bundles) and build-cache root are the test's own, fixture buildpacks and apps
// written by the test, and the check that nothing of the CLI is left.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { runCli, type RunResult } from '../helpers/stage.ts';

const RUNC_ROOT = '/run/cf-lifecycle/runc';

export interface StageScratch {
  dir: string;
  /** The CLI's TMPDIR. */
  tmp: string;
  /** The CLI's CF_LIFECYCLE_CACHE (app caches under app-caches/; stacks are shared through a link). */
  cache: string;
  cli(args: string[], env?: Record<string, string>): Promise<RunResult>;
  cleanup(): void;
}

/** A scratch area for one test file; its directories are searchable by vcap (`--host` runs as vcap). */
export function stageScratch(prefix: string): StageScratch {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  fs.chmodSync(dir, 0o755);
  const tmp = path.join(dir, 'tmp');
  const cache = path.join(dir, 'cache');
  fs.mkdirSync(tmp, { mode: 0o755 });
  fs.mkdirSync(cache, { mode: 0o755 });
  // The stack is built once per machine under the default cache root; share it rather than rebuild it.
  fs.symlinkSync('/var/cache/cf-lifecycle/stacks', path.join(cache, 'stacks'));
  return {
    dir,
    tmp,
    cache,
    cli: (args, env = {}) => runCli(args, { TMPDIR: tmp, CF_LIFECYCLE_CACHE: cache, ...env }),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** A buildpack directory with bin/detect (prints the name), bin/compile and bin/release, all bash. */
export function writeBuildpack(dir: string, scripts: { compile: string; detect?: string; release?: string; extra?: Record<string, string> }): string {
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  const name = path.basename(dir);
  const files: Record<string, string> = {
    detect: scripts.detect ?? `echo ${name}`,
    compile: scripts.compile,
    release: scripts.release ?? 'echo "--- {default_process_types: {web: \'sleep 1\'}}"',
    ...scripts.extra,
  };
  for (const [file, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'bin', file), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  return dir;
}

/** An app directory with one file. */
export function writeApp(dir: string, files: Record<string, string> = { 'index.txt': 'hello\n' }): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

/** No workspace or bundle in TMPDIR, no container of ours whose bundle was there, no mount under it. */
export function expectNothingLeft(s: StageScratch): void {
  expect(fs.readdirSync(s.tmp)).toEqual([]);
  const containers = execFileSync('runc', ['--root', RUNC_ROOT, 'list', '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const id of containers) {
    try {
      const text = execFileSync('runc', ['--root', RUNC_ROOT, 'state', id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const state = JSON.parse(text) as { bundle: string };
      expect(state.bundle.startsWith(s.tmp)).toBe(false);
    } catch {
      // another engineer's container, gone meanwhile
    }
  }
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(s.tmp)).toBe(false);
}

/** Every file under `dir` whose bytes contain `marker` (gzip tarballs are searched decompressed too). */
export function filesHolding(dir: string, marker: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const bytes = fs.readFileSync(p);
        let text = bytes.toString('latin1');
        if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
          try {
            text += execFileSync('gzip', ['-dc'], { input: bytes, maxBuffer: 1 << 30 }).toString('latin1');
          } catch {
            // not gzip after all
          }
        }
        if (text.includes(marker)) found.push(p);
      }
    }
  };
  walk(dir);
  return found;
}
