// Detect mode (CONTRACT §2.8): the first buildpack in order whose `bin/detect` exits 0 is selected.
import fs from 'node:fs';
import { NoBuildpackDetectedError, goPathError } from '@cf-lifecycle/contract';
import type { BuilderConfig } from '../config.ts';
import { runScript } from '../run-script.ts';
import { resolveBuildpackRoot } from './resolve.ts';

export interface DetectedBuildpack {
  key: string;
  root: string;
  /** Captured stdout of detect, trailing `\r`/`\n` removed. */
  detectOutput: string;
}

export async function detect(config: BuilderConfig): Promise<DetectedBuildpack> {
  for (const key of config.buildpackOrder) {
    let root: string;
    try {
      root = resolveBuildpackRoot(key, config);
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      continue;
    }
    const script = `${root}/bin/detect`;
    let mode: number;
    try {
      mode = fs.statSync(script).mode;
    } catch (err) {
      process.stderr.write(`${goPathError('stat', script, err)}\n`);
      continue;
    }
    // Quirk Q12 kept: all three execute bits, else a warning (on stdout, quirk Q36) and still try it.
    if ((mode & 0o111) !== 0o111) process.stdout.write("WARNING: buildpack script '/bin/detect' is not executable\n");
    const result = await runScript(script, [config.buildDir], { capture: 'stdout' });
    if (result.failure === undefined) {
      return { key, root, detectOutput: result.stdout.replace(/[\r\n]+$/, '') };
    }
  }
  throw new NoBuildpackDetectedError();
}
