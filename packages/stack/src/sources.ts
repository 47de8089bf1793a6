// The stack's build inputs in rootfs/: the package list and the scripts mmdebstrap runs. Their content
// (never their location) makes the cache key, so two clones share a cache.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StackError } from './errors.ts';
import { packagesDigest, parsePackageList, profilePackages, type PackageList, type Profile } from './package-list.ts';

export interface StackSources {
  /** The rootfs/ directory. */
  dir: string;
  list: PackageList;
  listFile: string;
  /** rootfs/list-packages.sh: prints a profile's packages (customize.sh and the Dockerfile use it). */
  listScript: string;
  /** rootfs/customize.sh: locale, vcap, directories, network files, docs, the version file. */
  customizeScript: string;
  /** rootfs/dpkg-excludes.cfg: dpkg path filters, installed before any package. */
  excludesFile: string;
}

const FILES = { listFile: 'packages.list', listScript: 'list-packages.sh', customizeScript: 'customize.sh', excludesFile: 'dpkg-excludes.cfg' } as const;

/** rootfs/ of this repository, or $CF_STACK_SOURCE_DIR (for a bundled copy of this package). */
export function stackSourceDir(): string {
  const fromEnv = process.env.CF_STACK_SOURCE_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  // packages/stack/src/sources.ts -> rootfs/
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'rootfs');
}

export function readSources(dir = stackSourceDir()): StackSources {
  const paths = Object.fromEntries(Object.entries(FILES).map(([key, file]) => [key, path.join(dir, file)])) as Record<keyof typeof FILES, string>;
  for (const file of Object.values(paths)) {
    if (!fs.existsSync(file))
      throw new StackError(`the stack's build files are incomplete: ${file} is missing (set CF_STACK_SOURCE_DIR to the repository's rootfs/ directory)`);
  }
  const list = parsePackageList(fs.readFileSync(paths.listFile, 'utf8'), paths.listFile);
  return { dir, list, ...paths };
}

export interface CacheKeyInput {
  name: string;
  profile: Profile;
  /** mmdebstrap's arguments with the machine-specific paths replaced by placeholders. */
  buildArgs: readonly string[];
}

// Bumped when what ensureStack writes around the rootfs changes (tarball options, receipt, stack.json).
const ARTIFACT_FORMAT = 1;

/** sha256 over everything that decides the stack's content: profile packages, suite, version, scripts, arguments. */
export function cacheKey(sources: StackSources, input: CacheKeyInput): string {
  const hash = createHash('sha256');
  const part = (label: string, value: string) => hash.update(`${label}\0${value.length}\0${value}\0`);
  part('format', String(ARTIFACT_FORMAT));
  part('name', input.name);
  part('profile', input.profile);
  part('suite', sources.list.suite);
  part('version', sources.list.version);
  part('packages', packagesDigest(profilePackages(sources.list, input.profile)));
  for (const file of [sources.listScript, sources.customizeScript, sources.excludesFile]) {
    part(path.basename(file), fs.readFileSync(file, 'utf8'));
  }
  part('args', JSON.stringify(input.buildArgs));
  return hash.digest('hex');
}
