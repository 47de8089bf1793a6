// The mmdebstrap command line that makes the rootfs (CONTAINER-LAB.md §1, §7a): minbase plus the
// profile's packages, no recommends (mmdebstrap's default, as cflinuxfs2's --no-install-recommends),
// dpkg filters installed before the first package, then rootfs/customize.sh as the customize hook.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { StackError } from './errors.ts';
import type { Profile } from './package-list.ts';
import { MmdebstrapProgress, type Reporter } from './progress.ts';
import { run } from './run.ts';

export interface BootstrapInput {
  name: string;
  profile: Profile;
  suite: string;
  packages: readonly string[];
  /** rootfs/ with customize.sh and dpkg-excludes.cfg. */
  sourceDir: string;
  /** The directory to create (must not exist or be empty). */
  target: string;
}

/** The Debian archive the rootfs installs from (main only: what this project's machines reach). */
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
export const DEBIAN_SECURITY_MIRROR = 'http://deb.debian.org/debian-security';

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function mmdebstrapArgs(input: BootstrapInput): string[] {
  const { suite } = input;
  const src = input.sourceDir;
  return [
    '--mode=root',
    '--variant=minbase',
    '--format=directory',
    '--components=main',
    '--verbose',
    `--include=${input.packages.join(',')}`,
    // Before any package is unpacked: keep docs and man pages out (the copyright files stay).
    `--setup-hook=mkdir -p "$1/etc/dpkg/dpkg.cfg.d" && cp ${shellQuote(`${src}/dpkg-excludes.cfg`)} "$1/etc/dpkg/dpkg.cfg.d/cf-stack-excludes"`,
    `--customize-hook=${shellQuote(`${src}/customize.sh`)} "$1" ${shellQuote(input.profile)} ${shellQuote(input.name)}`,
    suite,
    input.target,
    `deb ${DEBIAN_MIRROR} ${suite} main`,
    `deb ${DEBIAN_MIRROR} ${suite}-updates main`,
    `deb ${DEBIAN_SECURITY_MIRROR} ${suite}-security main`,
  ];
}

export interface BootstrapOptions {
  mmdebstrap: string;
  report: Reporter;
  /** Receives every output line (the build log). */
  log: (line: string) => void;
  signal?: AbortSignal;
  onSpawn?: (child: ChildProcess) => void;
}

/** Runs mmdebstrap; throws a StackError naming apt's or mmdebstrap's error when it fails. */
export async function bootstrap(input: BootstrapInput, options: BootstrapOptions): Promise<void> {
  const progress = new MmdebstrapProgress(options.report);
  const result = await run(options.mmdebstrap, mmdebstrapArgs(input), {
    signal: options.signal,
    onSpawn: options.onSpawn,
    env: { ...process.env, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' },
    onLine: (line) => {
      options.log(line);
      progress.line(line);
    },
  });
  if (result.aborted) throw new StackError('building the stack was interrupted');
  if (result.code !== 0) {
    // apt's own "E:" line (e.g. "Unable to locate package foo") says more than mmdebstrap's summary.
    const reason =
      progress.errors.find((error) => !/^(setup failed|mmdebstrap failed|.* failed$)/.test(error)) ??
      progress.errors[0] ??
      result.tail.filter((line) => line.trim() !== '').pop() ??
      `exit ${result.code ?? result.signal}`;
    throw new StackError(`mmdebstrap failed: ${oneLine(reason)}`);
  }
  if (!fs.existsSync(`${input.target}/etc/passwd`)) throw new StackError(`mmdebstrap succeeded but ${input.target} has no etc/passwd`);
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
