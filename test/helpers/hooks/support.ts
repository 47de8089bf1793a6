// Test support: scratch directories, hook scripts, a log that keeps what it was given, and events.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HookDefinition, HookEvent, HookLog, HookPhase } from '@cf-lifecycle/hooks';

export function scratch(prefix = 'hooks-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Writes an executable bash script. */
export function script(file: string, body: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  return file;
}

export function writeFile(file: string, content: string, mode = 0o644): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
  return file;
}

export class CapturedLog implements HookLog {
  out = '';
  err = '';
  stdout = (s: string) => void (this.out += s);
  stderr = (s: string) => void (this.err += s);
  get all(): string {
    return this.out + this.err;
  }
}

export function event(buildDir: string, extra: Partial<HookEvent['paths']> = {}, phase: HookPhase = 'post-build'): HookEvent {
  return {
    schemaVersion: 1,
    phase,
    app: { name: 'my-app', buildDir },
    stack: { name: 'cflinuxfs2' },
    buildpacks: [{ key: 'nodejs_buildpack', name: 'nodejs', version: '1.8.0' }],
    paths: { buildDir, ...extra },
    processTypes: { web: 'npm start' },
  };
}

export function execHook(name: string, file: string, over: Partial<HookDefinition> = {}): HookDefinition {
  return { name, kind: 'exec', phase: 'post-build', path: file, policy: 'required', timeoutMs: 10_000, ...over };
}

/** True while a process with this pid exists (and is not a zombie of ours). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}
