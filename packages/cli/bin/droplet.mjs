#!/usr/bin/env node
// The `droplet` CLI. Its code is bundled by `npm run build` into dist/cli/droplet.cjs (so it runs on
// the host's Node without TypeScript tooling).
import { createRequire } from 'node:module';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(realpathSync(fileURLToPath(import.meta.url))), '..', '..', '..');
const bundle = path.join(root, 'dist', 'cli', 'droplet.cjs');
if (!existsSync(bundle)) {
  process.stderr.write('droplet: the CLI is not built yet: run `npm run build` in the repository root\n');
  process.exit(1);
}
createRequire(import.meta.url)(bundle);
