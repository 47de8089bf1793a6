// Isolation of the app in its container (docs/security.md, "Faults and isolation"), in the default
// stack: vcap (2000) with no_new_privs, no capabilities and the seccomp profile; a read-only root;
// no way to root (setuid binaries, user namespaces); no host processes; masked /proc paths; a fork
// bomb held by the pids limit; an OOM kill reported as one by `droplet run`.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStack } from '@cf-lifecycle/stack';
import { bash, cgroupDir, collect, sleep, watch } from '../runner/helpers.ts';
import { ROOT } from '../helpers/stage.ts';

let rootfs: string;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hardening-isolation-'));

beforeAll(async () => {
  ({ rootfsDir: rootfs } = await ensureStack());
}, 900_000);

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The fields of /proc/self/status of a process in the container. */
function statusFields(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
  );
}

describe('identity and privileges', () => {
  it('runs as vcap 2000:2000 with NoNewPrivs 1, no capabilities in any set, and a seccomp filter', async () => {
    const r = await collect(bash(rootfs, 'id -u; id -g; cat /proc/self/status'));

    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['2000', '2000']);
    const status = statusFields(r.stdout);
    expect(status.NoNewPrivs).toBe('1');
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(status[set], set).toBe('0000000000000000');
    // 2: filter mode, the runner's profile (packages/runner/src/seccomp.ts).
    expect(status.Seccomp).toBe('2');
  });

  it('a setuid-root binary in the root filesystem does not make it root (no_new_privs)', async () => {
    // An overlay of the stack with a setuid-root copy of `id` where suid is honoured (the rootfs,
    // not a nosuid bind mount): only no_new_privs keeps the effective uid at 2000.
    const base = path.join(scratch, 'overlay');
    for (const d of ['upper/usr/local/bin', 'work', 'merged']) fs.mkdirSync(path.join(base, d), { recursive: true });
    fs.copyFileSync(path.join(rootfs, 'usr/bin/id'), path.join(base, 'upper/usr/local/bin/id-setuid'));
    fs.chownSync(path.join(base, 'upper/usr/local/bin/id-setuid'), 0, 0);
    fs.chmodSync(path.join(base, 'upper/usr/local/bin/id-setuid'), 0o4755);
    const merged = path.join(base, 'merged');
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${rootfs},upperdir=${base}/upper,workdir=${base}/work`, merged]);
    try {
      const r = await collect(
        bash(
          merged,
          'stat -c "%a %U" /usr/local/bin/id-setuid; grep " / " /proc/mounts | grep -c nosuid; /usr/local/bin/id-setuid -u; /usr/local/bin/id-setuid -ru',
        ),
      );

      expect(r.stderr).toBe('');
      // mode 4755, owned by root, on a root mount without nosuid: the euid stays 2000.
      expect(r.stdout).toBe('4755 root\n0\n2000\n2000\n');
    } finally {
      execFileSync('umount', [merged]);
    }
  });

  it('cannot become root in a new user namespace: unshare -U fails with EPERM (the seccomp profile)', async () => {
    const r = await collect(bash(rootfs, 'unshare --user --map-root-user id -u; echo status=$?'));

    expect(r.stderr).toBe('unshare: unshare failed: Operation not permitted\n');
    expect(r.stdout).toBe('status=1\n');
  });

  it('the denied system calls fail with EPERM: keyctl, bpf, perf_event_open, userfaultfd, mount (x86_64 numbers)', async () => {
    if (process.arch !== 'x64') return;
    // Each call with harmless arguments: without the filter keyctl and userfaultfd succeed for anyone,
    // and the others fail with EINVAL/EACCES/EFAULT, not EPERM.
    const script = [
      'import ctypes',
      'libc = ctypes.CDLL(None, use_errno=True)',
      "calls = {'keyctl': (250, 0, 2**32 - 4, 0), 'bpf': (321, 0, 0, 0), 'perf_event_open': (298, 0, 0, 0), 'userfaultfd': (323, 0, 0, 0), 'mount': (165, 0, 0, 0)}",
      'for name, (nr, *args) in calls.items():',
      '    ctypes.set_errno(0)',
      '    r = libc.syscall(nr, *args)',
      '    print(name, r, ctypes.get_errno())',
    ].join('\n');
    const r = await collect({ rootfs, args: ['python3', '-c', script], env: {}, cwd: '/' });

    expect(r.stdout).toBe(['keyctl -1 1', 'bpf -1 1', 'perf_event_open -1 1', 'userfaultfd -1 1', 'mount -1 1', ''].join('\n'));
  });
});

describe('the root filesystem', () => {
  it('cannot be written: /, /etc, /usr/bin, and it cannot be remounted read-write', async () => {
    const r = await collect(
      bash(
        rootfs,
        'for f in /x /etc/x /usr/bin/x /home/x; do touch $f 2>/dev/null; echo "$f=$?"; done; mount -o remount,rw / 2>/dev/null; echo remount=$?; grep " / " /proc/mounts | cut -d" " -f4 | cut -d, -f1',
      ),
    );

    expect(r.stdout).toBe('/x=1\n/etc/x=1\n/usr/bin/x=1\n/home/x=1\nremount=32\nro\n');
  });
});

describe('processes', () => {
  it('sees only its own processes, not the host’s', async () => {
    const r = await collect(bash(rootfs, 'ps -e -o pid=,comm=; true'));

    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    // The init (tini, bound at /dev/init) as PID 1, bash, ps; nothing of the host's (this test
    // runner, runc, the host's init), whose pids are in the thousands here.
    expect(rows[0]).toEqual(['1', 'init']);
    expect(rows.map(([, comm]) => comm).sort()).toEqual(['bash', 'init', 'ps']);
    expect(Math.max(...rows.map(([pid]) => Number(pid)))).toBeLessThan(20);
  });

  it('masked /proc paths show nothing and /proc/sys cannot be written', async () => {
    // Masked files read empty (runc binds /dev/null over them); kcore and sched_debug exist only on
    // some kernels, and where they do not there is nothing to read either.
    const r = await collect(
      bash(
        rootfs,
        'for f in kcore keys timer_list sched_debug; do printf "%s=%s\\n" $f "$(cat /proc/$f 2>/dev/null | wc -c)"; done; find /proc/acpi /proc/scsi -mindepth 1 2>/dev/null | wc -l; echo 1 > /proc/sys/vm/drop_caches 2>/dev/null; echo sys=$?; echo h > /proc/sysrq-trigger 2>/dev/null; echo sysrq=$?',
      ),
    );

    expect(r.stdout).toBe('kcore=0\nkeys=0\ntimer_list=0\nsched_debug=0\n0\nsys=1\nsysrq=1\n');
    // The host shows something in a file the container sees empty.
    expect(fs.readFileSync('/proc/keys', 'utf8').length + fs.readFileSync('/proc/timer_list', 'utf8').length).toBeGreaterThan(0);
  });

  it('a fork bomb is held at the pids limit and the container still ends on time', async () => {
    const limit = 64;
    const w = await watch({ ...bash(rootfs, 'sleep 2 & s=$!; echo ready; bomb() { bomb | bomb & }; bomb; wait $s; echo survived'), limits: { pids: limit } });
    await w.printed('ready');
    const dir = cgroupDir('pids', w.container.id);
    let peak = 0;
    while (fs.existsSync(`${dir}/pids.current`)) {
      try {
        peak = Math.max(peak, Number(fs.readFileSync(`${dir}/pids.current`, 'utf8')));
      } catch {
        break;
      }
      await sleep(100);
    }
    const r = await w.done;

    expect(peak).toBeLessThanOrEqual(limit);
    expect(peak).toBeGreaterThan(limit / 2);
    expect(r.stdout).toBe('ready\nsurvived\n');
    expect(r.ms).toBeLessThan(15_000);
  }, 30_000);
});

describe('memory', () => {
  it('`droplet run` of an app that outgrows its memory: exit 137 and "the app was killed: out of memory (limit 64 MiB)"', async () => {
    // A droplet as the builder makes one, whose start command allocates 300 MiB in bash.
    const dir = path.join(scratch, 'oom-droplet');
    fs.mkdirSync(path.join(dir, 'app'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'staging_info.yml'),
      JSON.stringify({ detected_buildpack: '', start_command: "x=$(head -c 300M /dev/zero | tr '\\0' x); echo allocated" }),
    );
    const droplet = path.join(scratch, 'hog.droplet');
    execFileSync('tar', ['-czf', droplet, '-C', dir, '.']);
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });

    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli', 'droplet.cjs'), 'run', droplet, '--memory', '64', '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    expect(output).not.toContain('allocated');
    expect(output).toContain('droplet: the app was killed: out of memory (limit 64 MiB)\n');
    expect(output).toContain('==> hog exited with status 137\n');
    expect(code).toBe(137);
  }, 120_000);

  it('`droplet stage` with a buildpack that outgrows the staging memory: "a buildpack process was killed: out of memory (limit 128 MiB)"', async () => {
    const bp = path.join(scratch, 'hog-buildpack');
    fs.mkdirSync(path.join(bp, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(bp, 'bin', 'detect'), '#!/bin/bash\necho Hog\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bp, 'bin', 'compile'), "#!/bin/bash\nx=$(head -c 400M /dev/zero | tr '\\0' x)\necho compiled\n", { mode: 0o755 });
    fs.writeFileSync(path.join(bp, 'bin', 'release'), '#!/bin/bash\necho "--- {}"\n', { mode: 0o755 });
    const app = path.join(scratch, 'hog-app');
    fs.mkdirSync(app, { recursive: true });
    fs.writeFileSync(path.join(app, 'index.txt'), 'hello\n');

    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'dist', 'cli', 'droplet.cjs'), 'stage', app, '-b', bp, '--memory', '128', '-o', path.join(scratch, 'hog-app.droplet')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    expect(output).not.toContain('compiled');
    expect(output).toContain('Failed to compile droplet: Failed to compile droplet: signal: killed\n');
    expect(output).toContain('droplet: a buildpack process was killed: out of memory (limit 128 MiB)\n');
    expect(code).toBe(223);
    expect(fs.existsSync(path.join(scratch, 'hog-app.droplet'))).toBe(false);
  }, 300_000);
});
