// `droplet stage` reads the staging workspace as hostile (docs/security.md, "droplet stage"). A process
// that compile leaves behind (setsid: its own session, out of the builder's reach) waits until the
// builder has renamed /tmp/droplet and /tmp/output-cache into place, stops the builder (SIGSTOP: same
// uid), replaces them with links to files of the host, and lets it go on. Before the fix the CLI,
// root, copied through the links: a root-only host file ended up in the droplet, and another app's
// build cache in the attacker's, restored into its next staging. Now the staging fails with one line
// and nothing is written, and the next staging gets nothing of the other app's cache.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNothingLeft, filesHolding, stageScratch, writeApp, writeBuildpack, type StageScratch } from './stage-helpers.ts';

const ROOT_ONLY = 'ROOT-ONLY-HOST-FILE-4e1f0c2a9b';
const VICTIM = 'VICTIM-APP-CACHE-7d3a55e0c1';

let s: StageScratch;
let rootOnly: string;
let out: string;

beforeAll(() => {
  s = stageScratch('stage-workspace');
  rootOnly = path.join(s.dir, 'root-only.txt');
  fs.writeFileSync(rootOnly, `${ROOT_ONLY}\n`, { mode: 0o600 });
  out = path.join(s.dir, 'out');
  fs.mkdirSync(out);
});

afterAll(() => s.cleanup());

/** Where `droplet stage` keeps an app's build cache (packages/cli/src/app-cache.ts). */
function cacheFileOf(app: string): string {
  return path.join(s.cache, 'app-caches', `${path.basename(app)}-${createHash('sha256').update(fs.realpathSync(app)).digest('hex').slice(0, 16)}.tgz`);
}

/**
 * A buildpack whose compile starts `bin/swap` in a session of its own and returns once swap watches
 * the builder's output directory (inotify). swap waits until the builder has renamed both outputs into
 * place; a rename wakes it on the builder's own CPU (both are pinned to one), before the builder can
 * go on, and it stops the builder (SIGSTOP), replaces the outputs with links and resumes it.
 */
const SWAP = `
import ctypes, os, signal, struct, sys
builder, pairs = int(sys.argv[1]), sys.argv[2:]
tmp = os.environ.get('TMPDIR', '/tmp')
with open(f'/proc/{builder}/cmdline', 'rb') as f:
    assert b'lifecycle/builder' in f.read(), 'not the builder'
cpu = min(os.sched_getaffinity(0))
os.sched_setaffinity(0, {cpu})
os.sched_setaffinity(builder, {cpu})
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
assert libc.inotify_add_watch(fd, tmp.encode(), 0x80) >= 0  # IN_MOVED_TO
open(f'{tmp}/.swap-watching', 'w').close()
want = {b'droplet', b'output-cache'}
while want:
    buf, i = os.read(fd, 65536), 0
    while i < len(buf):
        _, _, _, n = struct.unpack_from('iIII', buf, i)
        want.discard(buf[i + 16:i + 16 + n].rstrip(b'\\0'))
        i += 16 + n
os.kill(builder, signal.SIGSTOP)
for name, target in zip(pairs[::2], pairs[1::2]):
    os.rename(f'{tmp}/{name}', f'{tmp}/{name}.real')
    os.symlink(target, f'{tmp}/{name}')
os.kill(builder, signal.SIGCONT)
`;

function swapper(name: string, targets: { droplet?: string; cache: string }): string {
  const pairs = [...(targets.droplet ? ['droplet', targets.droplet] : []), 'output-cache', targets.cache].join(' ');
  return writeBuildpack(path.join(s.dir, 'buildpacks', name), {
    compile: [
      `echo "-----> ${name}: leaving a process behind"`,
      `setsid python3 "$(dirname "$0")/swap.py" $PPID ${pairs} </dev/null >/dev/null 2>&1 &`,
      'for i in $(seq 1000); do [ -e "${TMPDIR:-/tmp}/.swap-watching" ] && break; sleep 0.01; done',
      'rm "${TMPDIR:-/tmp}/.swap-watching" || { echo "swap did not start" >&2; exit 1; }',
    ].join('\n'),
    extra: { 'swap.py': SWAP },
  });
}

/** The last line of a staging whose `what` (droplet, output cache) was a link when the CLI copied it. */
function refused(what: 'droplet' | 'output cache'): RegExp {
  const file = what === 'droplet' ? 'droplet' : 'output-cache';
  const reason = 'is a symbolic link \\(refused: it must be a regular file\\); nothing was written';
  return new RegExp(`\\ndroplet: the staging's ${what}: cannot read /\\S+/tmp/${file}: ${reason}\\n$`);
}

describe('droplet stage: links planted in the workspace after the builder wrote its outputs', () => {
  let victimApp: string;
  let victimCache: string;
  let victimDigest: string;
  let attackerApp: string;

  beforeAll(async () => {
    victimApp = writeApp(path.join(s.dir, 'apps', 'victim'));
    const writesCache = writeBuildpack(path.join(s.dir, 'buildpacks', 'writes-cache'), { compile: `echo ${VICTIM} > "$2/victim.txt"` });
    const r = await s.cli(['stage', victimApp, '-b', writesCache, '-o', path.join(out, 'victim.droplet')]);
    expect(r.code).toBe(0);
    victimCache = cacheFileOf(victimApp);
    expect(filesHolding(path.dirname(victimCache), VICTIM)).toEqual([victimCache]);
    victimDigest = createHash('sha256').update(fs.readFileSync(victimCache)).digest('hex');
    attackerApp = writeApp(path.join(s.dir, 'apps', 'attacker'));
  }, 300_000);

  it('droplet and output cache linked to a root-only host file: one line, exit 1, nothing written', async () => {
    const droplet = path.join(out, 'attacker.droplet');
    const bp = swapper('swaps-both', { droplet: rootOnly, cache: rootOnly });

    const r = await s.cli(['stage', attackerApp, '-b', bp, '-o', droplet]);

    expect(r.stdout).toContain('-----> swaps-both: leaving a process behind');
    expect(r.stderr).toMatch(refused('droplet'));
    expect(r.code).toBe(1);
    expect(fs.readdirSync(out).filter((f) => f.startsWith('attacker'))).toEqual([]);
    expect(fs.existsSync(cacheFileOf(attackerApp))).toBe(false);
    expect(filesHolding(out, ROOT_ONLY)).toEqual([]);
    expect(filesHolding(path.join(s.cache, 'app-caches'), ROOT_ONLY)).toEqual([]);
    expectNothingLeft(s);
  }, 300_000);

  it("output cache linked to another app's cache: one line, exit 1; the attacker's next staging gets none of it", async () => {
    const droplet = path.join(out, 'attacker.droplet');
    const bp = swapper('swaps-cache', { cache: victimCache });

    const r = await s.cli(['stage', attackerApp, '-b', bp, '-o', droplet]);

    expect(r.stderr).toMatch(refused('output cache'));
    expect(r.code).toBe(1);
    expect(fs.readdirSync(out).filter((f) => f.startsWith('attacker'))).toEqual([]);
    expect(fs.existsSync(cacheFileOf(attackerApp))).toBe(false);

    // The attacker stages again and looks at what was restored into its cache directory.
    const lists = writeBuildpack(path.join(s.dir, 'buildpacks', 'lists-cache'), {
      compile: 'echo "cache holds: [$(cd "$2" && find . -type f | sort | tr "\\n" " ")]"; cat "$2"/* 2>/dev/null; true',
    });
    const next = await s.cli(['stage', attackerApp, '-b', lists, '-o', droplet]);

    expect(next.code).toBe(0);
    expect(next.stdout).toContain('cache holds: []');
    expect(next.stdout + next.stderr).not.toContain(VICTIM);
    expect(next.stderr).not.toContain('restored the build cache');
    expect(filesHolding(out, VICTIM)).toEqual([]);
    // The victim's cache is as it was.
    expect(createHash('sha256').update(fs.readFileSync(victimCache)).digest('hex')).toBe(victimDigest);
    expectNothingLeft(s);
  }, 300_000);

  it('the same swap with --host: the builder runs as vcap in a pid namespace of its own, and the links are refused the same way', async () => {
    const droplet = path.join(out, 'attacker-host.droplet');
    // On the host the workspace's tmp is the builder's TMPDIR, where swap looks.
    const bp = swapper('swaps-host', { droplet: rootOnly, cache: victimCache });

    const r = await s.cli(['stage', attackerApp, '-b', bp, '--host', '-o', droplet]);

    expect(r.stderr).toMatch(refused('droplet'));
    expect(r.code).toBe(1);
    expect(fs.readdirSync(out).filter((f) => f.startsWith('attacker-host'))).toEqual([]);
    expect(filesHolding(out, ROOT_ONLY)).toEqual([]);
    expect(createHash('sha256').update(fs.readFileSync(victimCache)).digest('hex')).toBe(victimDigest);
    // No process of the staging is left on the host.
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain('/bin/swap.py ');
    expectNothingLeft(s);
  }, 300_000);
});
