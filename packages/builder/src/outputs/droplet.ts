// Packaging the droplet and the build-artifacts cache as gzip tarballs (CONTRACT §2.16), without the
// reference's full copy of the app: the tar stream is written straight from the contents directory
// and the build directory (grafted in as `./app`) and compressed on every core. GNU tar extracts it
// to the same tree `cp -a` + `tar -czf` gives.
import fs from 'node:fs';
import path from 'node:path';
import { STAGING_METADATA_DIR, StagingError, goErrnoText, goPathError, type BuilderConfig } from '@cf-lifecycle/contract';
import { writeTar, type TarTree } from '@cf-lifecycle/tar';
import type { StagingPlan } from '../plan.ts';
import { temporaryBeside } from './atomic.ts';
import { ParallelGzipWriter } from './parallel-gzip.ts';

/** The two archives, complete under temporary names; the staging's OutputSet gives them their names. */
export interface PackagedDroplet {
  droplet: string;
  cache: string;
}

/** Go-style rendering of a file-system error (`write /tmp/x: no space left on device`). */
function describe(err: unknown, fallbackPath: string): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code && e.syscall) return `${e.syscall} ${e.path ?? fallbackPath}: ${goErrnoText(e.code, e.message)}`;
  return (e as Error)?.message ?? String(err);
}

/** Writes `tree` as a gzip tar to a temporary beside `target`; returns the temporary's path. */
async function archive(tree: TarTree, target: string, config: BuilderConfig, fail: (detail: string) => string): Promise<string> {
  const tmp = temporaryBeside(target);
  let out: ParallelGzipWriter | undefined;
  try {
    out = new ParallelGzipWriter(tmp);
    await writeTar(tree, out, config.reproducibleDroplet ? { reproducible: { mtime: reproducibleMtime() } } : {});
    await out.close();
    return tmp;
  } catch (err) {
    out?.abort();
    fs.rmSync(tmp, { force: true });
    throw new StagingError(fail(describe(err, tmp)));
  }
}

/** SOURCE_DATE_EPOCH when set (the reproducible-builds convention), else the epoch. */
function reproducibleMtime(): number {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  return Number.isInteger(epoch) && epoch >= 0 ? epoch : 0;
}

export async function packageDroplet(config: BuilderConfig, plan: StagingPlan): Promise<PackagedDroplet> {
  for (const dir of ['tmp', 'logs']) {
    try {
      fs.mkdirSync(`${plan.contentsDir}/${dir}`, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw new StagingError(`Failed to set up droplet filesystem: ${goPathError('mkdir', `${plan.contentsDir}/${dir}`, err)}`);
    }
  }
  // The reference copies the build directory with `cp -a`; when it is gone that fails like this.
  try {
    fs.lstatSync(config.buildDir);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : goErrnoText((err as NodeJS.ErrnoException).code);
    process.stderr.write(`cp: cannot stat '${config.buildDir}': ${reason}\n`);
    throw new StagingError('Failed to copy compiled droplet: exit status 1');
  }

  // The staging metadata and SBOM come first: a reader gets them without decompressing the app.
  const tree = { dir: plan.contentsDir, graft: { app: config.buildDir }, first: [STAGING_METADATA_DIR] };
  const droplet = await archive(tree, config.outputDroplet, config, (d) => `Failed to compress droplet filesystem: ${d}`);
  try {
    fs.mkdirSync(path.dirname(config.outputBuildArtifactsCache), { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new StagingError(`Failed to create output build artifacts cache dir: ${goPathError('mkdir', path.dirname(config.outputBuildArtifactsCache), err)}`);
  }
  const cache = await archive(
    { dir: config.buildArtifactsCacheDir },
    config.outputBuildArtifactsCache,
    config,
    (d) => `Failed to compress build artifacts: ${d}`,
  );
  // Both archives are complete; they take their names only when the caller commits the whole set (a
  // failure before that leaves neither).
  return { droplet, cache };
}
