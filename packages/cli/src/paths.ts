// Where the CLI finds the built lifecycle and keeps its caches.
import fs from 'node:fs';
import path from 'node:path';
import { CliError } from './errors.ts';

/** The repository root: the CLI is bundled into <root>/dist/cli/droplet.cjs. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'packages'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

export function lifecycleDir(): string {
  const dir = process.env.CF_LIFECYCLE_DIR ?? path.join(repoRoot(), 'dist', 'lifecycle');
  if (!fs.existsSync(path.join(dir, 'builder'))) {
    throw new CliError(`the lifecycle bundle is missing at ${dir}: run \`npm run build\` in the repository first`);
  }
  return dir;
}

/** Per-machine cache: stacks (see @cf-lifecycle/stack) and per-app build caches. */
export function cacheRoot(): string {
  return process.env.CF_LIFECYCLE_CACHE ?? '/var/cache/cf-lifecycle';
}
