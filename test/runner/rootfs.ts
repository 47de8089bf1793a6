// The root filesystem the runner tests start containers from, in this order:
// - `CF_LIFECYCLE_TEST_ROOTFS`, an exploded rootfs with the tools below;
// - the default stack (`ensureStack()` of @cf-lifecycle/stack), when it is already built: the tests
//   never start its 30 s+ build themselves;
// - else a small bookworm made once with mmdebstrap (CONTAINER-LAB §1a, trimmed to what the tests use:
//   bash and coreutils from minbase, tini, python3 for servers, memory and zombie probes, procps), cached
//   under /var/cache/cf-lifecycle/test-rootfs/<hash of the command line>, so reruns reuse it and a
//   changed command line builds a new one.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TEST_ROOTFS_CACHE = '/var/cache/cf-lifecycle/test-rootfs';
const MIRROR = 'http://deb.debian.org/debian';

/** mmdebstrap's arguments, without the target directory (the last one). */
export const MMDEBSTRAP_ARGS: readonly string[] = [
  '--variant=minbase',
  '--mode=root',
  '--include=tini,python3,procps',
  // vcap 2000:2000 as in the stack (CONTAINER-LAB §1a).
  '--customize-hook=chroot "$1" useradd -u 2000 -mU -s /bin/bash vcap && mkdir "$1/home/vcap/app" && chown 2000:2000 "$1/home/vcap/app"',
  // mmdebstrap copies the host's resolv.conf and hostname and writes no hosts file (CONTAINER-LAB §1,
  // "Rootfs pitfalls"); the stack writes neutral ones, and so do we: the runner binds over them.
  '--customize-hook=: > "$1/etc/resolv.conf" && echo localhost > "$1/etc/hostname" && printf "127.0.0.1\\tlocalhost\\n" > "$1/etc/hosts"',
  '--customize-hook=rm -rf "$1"/usr/share/doc/* "$1"/usr/share/man/* "$1"/usr/share/info/* "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin',
  'bookworm',
];

/** The tools the tests run inside the container. */
const REQUIRED = ['usr/bin/bash', 'usr/bin/python3', 'usr/bin/tini', 'usr/bin/ps'];

function hasTools(rootfs: string): boolean {
  return REQUIRED.every((p) => fs.existsSync(path.join(rootfs, p)));
}

/** The directory of the cached test rootfs for the current command line. */
export function testRootfsPath(): string {
  const key = createHash('sha256')
    .update(JSON.stringify([...MMDEBSTRAP_ARGS, MIRROR]))
    .digest('hex')
    .slice(0, 16);
  return path.join(TEST_ROOTFS_CACHE, key, 'rootfs');
}

/**
 * Returns an exploded rootfs for the tests, building it the first time (about 30 s). Concurrent test
 * files serialize on a lock file; the build goes to a temporary directory renamed into place, so an
 * interrupted build leaves nothing that looks complete.
 */
export async function testRootfs(): Promise<string> {
  const override = process.env.CF_LIFECYCLE_TEST_ROOTFS;
  if (override !== undefined && override !== '') {
    if (!hasTools(override)) throw new Error(`CF_LIFECYCLE_TEST_ROOTFS=${override} lacks one of ${REQUIRED.join(', ')}`);
    return override;
  }
  const stack = await builtStack();
  if (stack !== undefined) return stack;
  const target = testRootfsPath();
  if (hasTools(target)) return target;
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const partial = `${target}.partial`;
  // flock(1) holds the lock for the shell's lifetime and drops it if the test process dies.
  const script = [
    'set -e',
    `[ -d '${target}' ] && exit 0`,
    `rm -rf '${partial}'`,
    `mmdebstrap "$@" '${partial}' '${MIRROR}' </dev/null`,
    `mv '${partial}' '${target}'`,
  ].join('\n');
  await run('flock', ['-w', '900', path.join(dir, 'lock'), 'sh', '-c', script, 'build-test-rootfs', ...MMDEBSTRAP_ARGS], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 900_000,
  });
  if (!hasTools(target)) throw new Error(`mmdebstrap finished but ${target} lacks one of ${REQUIRED.join(', ')}`);
  return target;
}

/** The default stack's rootfs if it is already built and has the tools; never builds it. */
async function builtStack(): Promise<string | undefined> {
  try {
    const { planStack, ensureStack } = await import('@cf-lifecycle/stack');
    // A stack directory with its final name is complete (builds happen beside it and are renamed).
    if (!fs.existsSync(path.join(planStack().dir, 'rootfs'))) return undefined;
    const { rootfsDir } = await ensureStack();
    return hasTools(rootfsDir) ? rootfsDir : undefined;
  } catch {
    return undefined;
  }
}
