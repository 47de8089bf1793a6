// Small helpers to prepare a workspace and read what a staging left behind.
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURE_BUILDPACKS, xxhash64Hex, type Workspace } from './stage.ts';

/** Creates an empty result.json, the way the reference tests do, so "not written" is observable. */
export function presetEmptyResult(ws: Workspace): void {
  fs.mkdirSync(path.dirname(ws.outputMetadata), { recursive: true });
  fs.writeFileSync(ws.outputMetadata, '');
}

export function rawResult(ws: Workspace): string {
  return fs.readFileSync(ws.outputMetadata, 'utf8');
}

/** Writes files (relative path → content) into the app's build dir. */
export function writeAppFiles(ws: Workspace, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(ws.buildDir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

/** Parses `env -0` output into a map. */
export function parseEnv0(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    if (!entry) continue;
    const eq = entry.indexOf('=');
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** The environment the `prints-env` fixture's compile script saw, read from the droplet. */
export function envSeenByCompile(ws: Workspace): Record<string, string> {
  return parseEnv0(ws.dropletFile('./app/env-seen-by-compile'));
}

/** Milliseconds between consecutive timestamps. */
export function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

/**
 * Installs every fixture named in `order` (once each; keys that are not fixture names, such as
 * URLs, are left alone) and runs the builder with that order.
 */
export function stageFixtures(ws: Workspace, order: readonly string[], opts: Parameters<Workspace['stage']>[1] = {}): ReturnType<Workspace['stage']> {
  for (const key of new Set(order)) {
    if (/^[a-z0-9-]+$/.test(key) && fs.existsSync(path.join(FIXTURE_BUILDPACKS, key)) && !fs.existsSync(path.join(ws.buildpacksDir, xxhash64Hex(key)))) {
      ws.installBuildpack(key);
    }
  }
  return ws.stage(order, opts);
}
