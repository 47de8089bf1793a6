// openStack: the stack a user names with --stack PATH — a cache directory, a rootfs directory, or a
// tarball (extracted once into the cache, keyed by its sha256) — or, for a bare name, ensureStack's.
import fs from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_NAME,
  acquireLock,
  checkProfile,
  readStackDir,
  removeStaleWork,
  resolveCacheDir,
  stacksDir,
  workDirPrefix,
  writeStackRecord,
  type Stack,
} from './cache.ts';
import { ensureStack, type EnsureStackOptions } from './ensure-stack.ts';
import { StackError } from './errors.ts';
import { removeTree } from './mounts.ts';
import { isProfile, type Profile } from './package-list.ts';
import { reporter, type Reporter } from './progress.ts';
import { dpkgList, receiptText } from './receipt.ts';
import { extractTarball, sha256File } from './tarball.ts';
import { isRoot, which } from './tools.ts';
import { VERSION_FILE, readVersionFile, type StackVersionFile } from './version-file.ts';

const TARBALL_SUFFIX = /(\.tar\.gz|\.tgz|\.tar)$/;

export async function openStack(pathOrName: string, opts: EnsureStackOptions = {}): Promise<Stack> {
  if (pathOrName === '') throw new StackError('no stack given: pass a stack name, directory or tarball');
  const target = path.resolve(pathOrName);
  const stat = statOrUndefined(target);
  if (!stat) {
    if (pathOrName.includes('/') || pathOrName.startsWith('.') || TARBALL_SUFFIX.test(pathOrName)) {
      throw new StackError(`no stack at ${pathOrName}: no such file or directory`);
    }
    return ensureStack({ ...opts, name: pathOrName });
  }
  if (stat.isDirectory()) return openDirectory(target, opts);
  if (stat.isFile()) return openTarball(target, opts, reporter(opts.onProgress));
  throw new StackError(`${pathOrName} is neither a directory nor a tarball: pass a stack directory or .tar.gz`);
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** Name, version and profile: from the rootfs's version file, else the options, else cflinuxfs2/unknown/full. */
function identity(versionFile: StackVersionFile | undefined, opts: EnsureStackOptions): { name: string; version: string; profile: Profile } {
  return {
    name: versionFile?.name ?? opts.name ?? DEFAULT_NAME,
    version: versionFile?.version ?? 'unknown',
    // A rootfs without our version file (cflinuxfs2 itself) is taken for a full one.
    profile: isProfile(versionFile?.profile) ? versionFile.profile : checkProfile(opts.profile ?? 'full'),
  };
}

function openDirectory(dir: string, opts: EnsureStackOptions): Stack {
  const cached = readStackDir(dir) ?? (path.basename(dir) === 'rootfs' ? readStackDir(path.dirname(dir)) : undefined);
  if (cached) return cached;
  if (!fs.existsSync(path.join(dir, 'etc', 'passwd'))) {
    throw new StackError(`${dir} is not a root filesystem (it has no etc/passwd): pass a rootfs directory or a stack tarball`);
  }
  return { ...identity(readVersionFile(dir), opts), rootfsDir: dir, tarball: '', sha256: '', receipt: '', versionFile: VERSION_FILE };
}

/** `<dir>/<base>.sha256` or `<tarball>.sha256` beside the tarball, when there is one. */
function siblingChecksum(tarball: string): { file: string; sha256: string } | undefined {
  const base = tarball.replace(TARBALL_SUFFIX, '');
  for (const file of [`${base}.sha256`, `${tarball}.sha256`]) {
    try {
      const sha256 = fs.readFileSync(file, 'utf8').trim().split(/\s+/)[0] ?? '';
      if (/^[0-9a-f]{64}$/i.test(sha256)) return { file, sha256: sha256.toLowerCase() };
    } catch {
      // none there
    }
  }
  return undefined;
}

async function openTarball(tarball: string, opts: EnsureStackOptions, report: Reporter): Promise<Stack> {
  // One of our own artifacts, still in its cache directory: nothing to extract.
  const own = readStackDir(path.dirname(tarball));
  if (own && own.tarball === tarball) return own;

  report('verify', `computing the sha256 of ${path.basename(tarball)}`, 0);
  const sha256 = await sha256File(tarball, (fraction) => report('verify', `computing the sha256 of ${path.basename(tarball)}`, fraction * 20));
  const expected = siblingChecksum(tarball);
  if (expected && expected.sha256 !== sha256) {
    throw new StackError(`${tarball} does not match its checksum in ${expected.file} (sha256 ${sha256}): the file is damaged, fetch or build it again`);
  }

  const stacks = stacksDir(resolveCacheDir(opts.cacheDir));
  const dirName = `sha256-${sha256.slice(0, 16)}`;
  const dir = path.join(stacks, dirName);
  const cached = readStackDir(dir, tarball);
  if (cached) {
    report('cached', `${path.basename(tarball)} is already extracted in ${dir}`, 100);
    return cached;
  }
  if (!isRoot())
    throw new StackError(`extracting ${tarball} needs root (it holds files of several owners and device files): run as root, or pass its extracted directory`);
  try {
    fs.mkdirSync(stacks, { recursive: true });
  } catch (error) {
    throw new StackError(`cannot create the stack cache ${stacks}: ${(error as Error).message} (set CF_LIFECYCLE_CACHE to a writable directory)`);
  }
  await removeStaleWork(stacks);
  const release = await acquireLock(dir, report, opts.signal);
  try {
    const extracted = readStackDir(dir, tarball);
    if (extracted) return extracted;
    const work = fs.mkdtempSync(path.join(stacks, workDirPrefix('extract', dirName)));
    try {
      const rootfsDir = path.join(work, 'rootfs');
      report('extract', `extracting ${path.basename(tarball)}`, 20);
      await extractTarball(tarball, rootfsDir, {
        signal: opts.signal,
        onFraction: (fraction) => report('extract', `extracting ${path.basename(tarball)}`, 20 + fraction * 75),
      });
      if (!fs.existsSync(path.join(rootfsDir, 'etc', 'passwd'))) {
        throw new StackError(`${tarball} is not a root filesystem (it has no etc/passwd): pass a stack tarball`);
      }
      const { name, version, profile } = identity(readVersionFile(rootfsDir), opts);
      const receipt = await receiptFor(tarball, rootfsDir, sha256, opts.signal);
      const receiptName = receipt === undefined ? '' : `${path.basename(tarball).replace(TARBALL_SUFFIX, '')}.receipt`;
      if (receipt !== undefined) fs.writeFileSync(path.join(work, receiptName), receipt);
      writeStackRecord(work, { format: 1, name, version, profile, tarball, sha256, receipt: receiptName, versionFile: VERSION_FILE, key: sha256 });
      fs.chmodSync(work, 0o755);
      fs.renameSync(work, dir);
    } catch (error) {
      await removeTree(work);
      if (opts.signal?.aborted) throw new StackError(`extracting ${tarball} was interrupted`);
      throw error;
    }
    const stack = readStackDir(dir, tarball);
    if (!stack) throw new StackError(`${dir} is incomplete after extracting ${tarball}: remove it and retry`);
    report('done', `extracted ${path.basename(tarball)} into ${dir}`, 100);
    return stack;
  } finally {
    release();
  }
}

/** The receipt beside the tarball if there is one, else made from the rootfs's dpkg database, else none. */
async function receiptFor(tarball: string, rootfsDir: string, sha256: string, signal?: AbortSignal): Promise<string | undefined> {
  const beside = `${tarball.replace(TARBALL_SUFFIX, '')}.receipt`;
  if (fs.existsSync(beside)) return fs.readFileSync(beside, 'utf8');
  if (!fs.existsSync(path.join(rootfsDir, 'var', 'lib', 'dpkg', 'status')) || !which('dpkg-query')) return undefined;
  return receiptText(sha256, await dpkgList(rootfsDir, signal));
}
