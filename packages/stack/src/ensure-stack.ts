// ensureStack: the cached stack when its inputs are unchanged, else a fresh build — mmdebstrap into a
// work directory, receipt, tarball, checksum — renamed into the cache only once complete.
import fs from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_NAME,
  acquireLock,
  artifactBase,
  checkName,
  checkProfile,
  readStackDir,
  removeStaleWork,
  resolveCacheDir,
  stacksDir,
  workDirPrefix,
  writeStackRecord,
  type Stack,
} from './cache.ts';
import { StackError } from './errors.ts';
import { bootstrap, mmdebstrapArgs } from './mmdebstrap.ts';
import { removeTree } from './mounts.ts';
import { profilePackages, type Profile } from './package-list.ts';
import { BANDS, reporter, within, type ProgressEvent, type Reporter } from './progress.ts';
import { dpkgList, receiptText } from './receipt.ts';
import { cacheKey, readSources, type StackSources } from './sources.ts';
import { createTarball } from './tarball.ts';
import { ensureMmdebstrap, isRoot, requireTool } from './tools.ts';
import { VERSION_FILE, readVersionFile } from './version-file.ts';

export interface EnsureStackOptions {
  /** The stack's name, as buildpacks see it in CF_STACK (default cflinuxfs2). */
  name?: string;
  /** minimal (tests, demo) or full (the cflinuxfs2 package list); default minimal. */
  profile?: Profile;
  /** Default: $CF_LIFECYCLE_CACHE, else /var/cache/cf-lifecycle. Stacks live in its stacks/ directory. */
  cacheDir?: string;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

interface Plan {
  name: string;
  profile: Profile;
  sources: StackSources;
  packages: string[];
  key: string;
  stacks: string;
  dirName: string;
  dir: string;
}

/** Where the stack for these options lives in the cache, and the key that names it. */
export function planStack(opts: EnsureStackOptions = {}): Plan {
  const name = checkName(opts.name ?? DEFAULT_NAME);
  const profile = checkProfile(opts.profile ?? 'minimal');
  const sources = readSources();
  const packages = profilePackages(sources.list, profile);
  // The key sees the command line with placeholders, so it does not depend on where the repo is.
  const buildArgs = mmdebstrapArgs({ name, profile, suite: sources.list.suite, packages, sourceDir: '<rootfs>', target: '<target>' });
  const key = cacheKey(sources, { name, profile, buildArgs });
  const stacks = stacksDir(resolveCacheDir(opts.cacheDir));
  const dirName = `${name}-${profile}-${key.slice(0, 16)}`;
  return { name, profile, sources, packages, key, stacks, dirName, dir: path.join(stacks, dirName) };
}

export async function ensureStack(opts: EnsureStackOptions = {}): Promise<Stack> {
  const plan = planStack(opts);
  const report = reporter(opts.onProgress);
  const cached = readStackDir(plan.dir);
  if (cached) {
    report('cached', `${plan.dirName} is up to date`, 100);
    return cached;
  }
  if (!isRoot()) {
    throw new StackError(
      `building the ${plan.name} stack (${plan.profile}) needs root (mmdebstrap --mode=root): ` +
        'run as root, or pass --stack PATH with a built stack tarball or directory',
    );
  }
  try {
    fs.mkdirSync(plan.stacks, { recursive: true });
  } catch (error) {
    throw new StackError(`cannot create the stack cache ${plan.stacks}: ${(error as Error).message} (set CF_LIFECYCLE_CACHE to a writable directory)`);
  }
  await removeStaleWork(plan.stacks);
  const release = await acquireLock(plan.dir, report, opts.signal);
  try {
    // Another process may have built it while we waited for the lock.
    const built = readStackDir(plan.dir);
    if (built) {
      report('cached', `${plan.dirName} was built by another process`, 100);
      return built;
    }
    return await build(plan, report, opts.signal);
  } finally {
    release();
  }
}

async function build(plan: Plan, report: Reporter, signal?: AbortSignal): Promise<Stack> {
  const { name, profile, sources } = plan;
  const { version, suite } = sources.list;
  const interrupted = () => new StackError(`building the ${name} stack (${profile}) was interrupted`);
  if (signal?.aborted) throw interrupted();

  const mmdebstrap = await ensureMmdebstrap(report, signal);
  requireTool('tar', 'tar');
  requireTool('dpkg-query', 'dpkg');

  const started = Date.now();
  const work = fs.mkdtempSync(path.join(plan.stacks, workDirPrefix('build', plan.dirName)));
  const logFile = path.join(plan.stacks, `${plan.dirName}.log`);
  const log = fs.openSync(logFile, 'w');
  const writeLog = (line: string) => fs.writeSync(log, `${line}\n`);
  const base = artifactBase(name, profile, version);
  try {
    const rootfsDir = path.join(work, 'rootfs');
    report('setup', `building ${base} from debian ${suite} (${plan.packages.length} packages) in ${work}`, BANDS.setup[0]);
    try {
      await bootstrap(
        { name, profile, suite, packages: plan.packages, sourceDir: sources.dir, target: rootfsDir },
        {
          mmdebstrap,
          report,
          log: writeLog,
          signal,
          onSpawn: (child) => fs.writeFileSync(path.join(work, 'child.pid'), `${child.pid}\n`),
        },
      );
    } catch (error) {
      if (signal?.aborted) throw interrupted();
      if (error instanceof StackError) throw new StackError(`${error.message} (full log: ${logFile})`);
      throw error;
    }
    const bootstrapped = Date.now();
    fs.rmSync(path.join(work, 'child.pid'), { force: true });

    const versionFile = readVersionFile(rootfsDir);
    if (!versionFile || versionFile.name !== name || versionFile.profile !== profile || versionFile.version !== version) {
      throw new StackError(`rootfs/customize.sh did not write a valid ${VERSION_FILE} (full log: ${logFile})`);
    }

    report('receipt', 'listing the installed packages (dpkg -l)', BANDS.receipt[0]);
    const dpkgL = await dpkgList(rootfsDir, signal);

    const tarballName = `${base}.tar.gz`;
    report('compress', `writing ${tarballName}`, BANDS.compress[0]);
    const sha256 = await createTarball(rootfsDir, path.join(work, tarballName), {
      signal,
      onFraction: (fraction) => report('compress', `writing ${tarballName}`, within('compress', fraction)),
    });
    if (signal?.aborted) throw interrupted();
    fs.writeFileSync(path.join(work, `${base}.sha256`), `${sha256}  ${tarballName}\n`);
    fs.writeFileSync(path.join(work, `${base}.receipt`), receiptText(sha256, dpkgL));
    writeStackRecord(work, {
      format: 1,
      name,
      version,
      profile,
      tarball: tarballName,
      sha256,
      receipt: `${base}.receipt`,
      versionFile: VERSION_FILE,
      key: plan.key,
    });
    const compressed = Date.now();
    writeLog(`cf-stack: mmdebstrap ${seconds(bootstrapped - started)}, receipt and tarball ${seconds(compressed - bootstrapped)}`);
    fs.closeSync(log);
    fs.renameSync(logFile, path.join(work, 'build.log'));

    report('commit', `moving the stack into ${plan.dir}`, BANDS.commit[0]);
    fs.chmodSync(work, 0o755); // mkdtemp made it 0700; the stack is for every user of the machine
    fs.renameSync(work, plan.dir);
    const stack = readStackDir(plan.dir);
    if (!stack) throw new StackError(`${plan.dir} is incomplete after the build: remove it and retry`);
    report(
      'done',
      `built ${base} in ${seconds(Date.now() - started)} (mmdebstrap ${seconds(bootstrapped - started)}, tarball ${seconds(compressed - bootstrapped)})`,
      100,
    );
    return stack;
  } catch (error) {
    try {
      fs.closeSync(log);
    } catch {
      // already closed
    }
    await removeTree(work);
    if (signal?.aborted) {
      // Nothing of an interrupted build stays; a failed one keeps its log for the error message.
      fs.rmSync(logFile, { force: true });
      throw interrupted();
    }
    throw error;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
