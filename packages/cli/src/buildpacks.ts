// `-b` values → buildpack keys and directories laid out as the staging task does:
// `/tmp/buildpacks/<xxhash64(key)>` (CONTRACT §2.4). Directories and zip files are installed here;
// URLs are passed to the builder, which downloads them itself.
import fs from 'node:fs';
import path from 'node:path';
import { isUrlKey, redactUrl, xxhash64Hex } from '@cf-lifecycle/contract';
import { extractZip } from '@cf-lifecycle/builder';
import { CliError } from './errors.ts';
import { copyTree } from './workspace.ts';

export interface BuildpackSource {
  key: string;
  kind: 'directory' | 'zip' | 'url';
  source: string;
}

export function describeBuildpacks(values: readonly string[]): BuildpackSource[] {
  const seen = new Map<string, string>();
  return values.map((value) => {
    let source: BuildpackSource;
    if (isUrlKey(value) && !fs.existsSync(value)) {
      source = { key: value, kind: 'url', source: value };
    } else {
      let stat: fs.Stats;
      try {
        stat = fs.statSync(value);
      } catch {
        throw new CliError(`buildpack ${value}: no such directory or zip file; give a buildpack directory, a .zip file or a URL`);
      }
      const abs = path.resolve(value);
      if (stat.isDirectory()) {
        if (!fs.existsSync(path.join(abs, 'bin')) && fs.readdirSync(abs).length !== 1) {
          throw new CliError(`buildpack ${value}: the directory has no bin/ (a buildpack needs bin/detect, bin/compile or bin/supply, …)`);
        }
        source = { key: path.basename(abs), kind: 'directory', source: abs };
      } else if (abs.endsWith('.zip')) {
        source = { key: path.basename(abs, '.zip'), kind: 'zip', source: abs };
      } else {
        throw new CliError(`buildpack ${value}: not a directory, a .zip file or a URL`);
      }
    }
    const clash = seen.get(source.key);
    if (clash !== undefined && clash !== source.source) {
      throw new CliError(`buildpacks ${redactUrl(clash)} and ${redactUrl(source.source)} would both be named '${redactUrl(source.key)}': rename one of them`);
    }
    seen.set(source.key, source.source);
    return source;
  });
}

/** Installs directory and zip buildpacks into `buildpacksDir/<xxhash64(key)>`. */
export async function installBuildpacks(buildpacks: readonly BuildpackSource[], buildpacksDir: string): Promise<void> {
  fs.mkdirSync(buildpacksDir, { recursive: true, mode: 0o755 });
  for (const bp of buildpacks) {
    const dest = path.join(buildpacksDir, xxhash64Hex(bp.key));
    if (bp.kind === 'url' || fs.existsSync(dest)) continue;
    fs.mkdirSync(dest, { mode: 0o755 });
    if (bp.kind === 'directory') copyTree(bp.source, dest);
    else {
      try {
        await extractZip(bp.source, dest);
      } catch (err) {
        throw new CliError(`buildpack ${bp.source}: cannot extract the zip: ${(err as Error).message}`);
      }
    }
  }
}
