// The exec into /bin/bash (CONTRACT §3.5, §4) when the kernel would refuse it. Node 24 aborts with
// native and JavaScript stack traces when process.execve fails, and its argument check quotes the whole
// environment; the launcher and the shell check first and print one line instead, naming the argument
// or variable but never its value: launcher exit 4, shell exit 1 (CONTRACT §1.4).
// /bin/bash is replaced inside a private mount namespace (`unshare --mount`, as root) by a missing
// file, a file without an x bit, text, a script whose interpreter is missing and ELF files for another
// machine or with a missing loader, so the host's /bin/bash is never touched.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launcherScript, shellScript } from '../../packages/launcher/src/scripts.ts';
import { Droplet, LAUNCHER, SHELL, baseEnv, exec, killLeftovers, launcherStdout, type RunResult } from '../helpers/launch.ts';
import { ROOT } from '../helpers/stage.ts';

const SECRET = 'start-command-MARKER-5be0c2d1';

let droplet: Droplet;
beforeEach(() => {
  droplet = new Droplet();
});
afterEach(() => {
  killLeftovers();
  droplet.cleanup();
});

/** Exactly one line on stderr (no stack trace, no path of this machine, no secret), nothing on stdout. */
function expectOneLine(r: RunResult, line: string | RegExp, code: number): void {
  if (typeof line === 'string') expect(r.stderr).toBe(line);
  else expect(r.stderr).toMatch(line);
  expect(r.stderr).not.toContain('\n');
  expect(r.stderr).not.toContain(ROOT);
  expect(r.stderr + r.stdout).not.toContain(SECRET.slice(0, 10));
  expect(r.stdout).toBe('');
  expect(r.code).toBe(code);
}

describe('a NUL byte in what bash would be given', () => {
  it('in start_command of staging_info.yml: launcher exit 4, the argument named, not shown', async () => {
    droplet.write('staging_info.yml', `start_command: "echo ${SECRET}\\0 and more"\n`);

    const r = await droplet.launch(['app', '', '{}']);

    expectOneLine(r, "exec /bin/bash: the start command (start_command of staging_info.yml) holds a NUL byte, which no program's argument can carry", 4);
  });

  it('in config.entrypoint_prefix: launcher exit 4', async () => {
    droplet.write('staging_info.yml', `start_command: echo hi\nconfig:\n  entrypoint_prefix: "env TOKEN=${SECRET}\\0 bash -c"\n`);

    const r = await droplet.launch(['app', '', '{}']);

    expectOneLine(
      r,
      "exec /bin/bash: the start-up script (it holds config.entrypoint_prefix of staging_info.yml) holds a NUL byte, which no program's argument can carry",
      4,
    );
  });
});

describe('E2BIG: arguments and environment larger than Linux passes', () => {
  const KiB = 1024;

  it('a 200 KiB start command from staging_info.yml: one line, exit 4', async () => {
    const command = `echo ${SECRET} ${'x'.repeat(200 * KiB)}`;
    droplet.write('staging_info.yml', JSON.stringify({ start_command: command }));

    const r = await droplet.launch(['app', '', '{}']);

    expectOneLine(
      r,
      `exec /bin/bash: argument list too long: the start command (start_command of staging_info.yml) is ${command.length} bytes; ` +
        'Linux passes at most 131071 bytes in one argument',
      4,
    );
  });

  it('a 200 KiB config.entrypoint_prefix: one line, exit 4', async () => {
    droplet.write('staging_info.yml', JSON.stringify({ start_command: 'echo hi', config: { entrypoint_prefix: `env X=${'x'.repeat(200 * KiB)} bash -c` } }));

    const r = await droplet.launch(['app', '', '{}']);

    expectOneLine(
      r,
      new RegExp(
        '^exec /bin/bash: argument list too long: the start-up script \\(it holds config.entrypoint_prefix of staging_info.yml\\) is \\d+ bytes; ' +
          'Linux passes at most 131071 bytes in one argument$',
      ),
      4,
    );
  });

  it('VCAP_APPLICATION rewritten past 128 KiB (HTML escaping makes each `<` six bytes, CONTRACT §5 step 4): launcher exit 4, the variable named', async () => {
    const vcapApplication = JSON.stringify({ application_name: `${SECRET}${'<'.repeat(30 * KiB)}` });

    const r = await droplet.launch(['app', 'echo never', '{}'], { env: baseEnv({ VCAP_APPLICATION: vcapApplication }) });

    expectOneLine(
      r,
      new RegExp(
        '^exec /bin/bash: argument list too long: the environment variable VCAP_APPLICATION is \\d+ bytes with its name; ' +
          'Linux passes at most 131071 bytes in one variable$',
      ),
      4,
    );
  });

  describe('a start command given as the argument', () => {
    // The kernel's rules (fs/exec.c): one string at most 32 pages with its NUL; all strings, the file
    // name and a pointer per string at most a quarter of the stack limit (6 MiB at most, 32 pages at least).
    const page = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim());
    const stack = /^Max stack size\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'latin1'))![1]!;
    const limit = Math.max(Math.min(6 * 1024 * KiB, stack === 'unlimited' ? Infinity : Math.floor(Number(stack) / 4)), 32 * page);
    const size = (file: string, argv: readonly string[], env: Record<string, string>): number =>
      Buffer.byteLength(file) +
      1 +
      argv.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0) +
      Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v) + 2, 0) +
      (argv.length + Object.keys(env).length) * 8;

    /** `env` with PAD_n variables added so that `measure(env)` is exactly `target`. */
    function padTo(target: number, env: Record<string, string>, measure: (env: Record<string, string>) => number): Record<string, string> {
      const padded = { ...env };
      for (let i = 0; measure(padded) < target; i++) {
        const name = `PAD_${i}`;
        padded[name] = '';
        padded[name] = 'p'.repeat(Math.min(100 * KiB, target - measure(padded)));
      }
      expect(measure(padded)).toBe(target);
      return padded;
    }

    it('one over 128 KiB cannot reach the launcher at all: the kernel refuses to start it (E2BIG)', () => {
      const r = spawnSync(LAUNCHER, ['app', `echo ${'x'.repeat(200 * KiB)}`, '{}'], { cwd: droplet.root, env: baseEnv() });
      expect((r.error as NodeJS.ErrnoException | undefined)?.code).toBe('E2BIG');
    });

    it.each([
      ['launcher', 4],
      ['shell', 1],
    ] as const)('%s: environment and command exactly at the limit start the app; one byte more is one line, exit %i', async (which, code) => {
      const file = which === 'launcher' ? LAUNCHER : SHELL;
      const command = `echo started ${'x'.repeat(120 * KiB)}`;
      const own = which === 'launcher' ? ['app', command, '{}'] : ['app', command];
      const appEnv = (env: Record<string, string>) => ({
        ...env,
        HOME: droplet.app,
        TMPDIR: droplet.path('tmp'),
        DEPS_DIR: droplet.path('deps'),
      });
      const script = which === 'launcher' ? launcherScript('bash -c') : shellScript();
      // What the launcher (or shell) passes to execve: its argv[0] is the path it was started as.
      const bashSize = (env: Record<string, string>) => size('/bin/bash', ['bash', '-c', script, file, droplet.app, command], appEnv(env));

      const fits = padTo(limit, baseEnv(), bashSize);
      // The executable itself starts: what it adds (the script, TMPDIR, DEPS_DIR) is what goes over.
      expect(size(file, [file, ...own], fits)).toBeLessThan(limit);
      const started = await exec(file, own, { cwd: droplet.root, env: fits });
      expect(started.stderr).toBe('');
      expect(started.stdout.startsWith(which === 'launcher' ? launcherStdout('started x') : 'started x')).toBe(true);
      expect(started.code).toBe(0);

      const over = { ...fits, PAD_0: `${fits.PAD_0}p` };
      const refused = await exec(file, own, { cwd: droplet.root, env: over });
      expectOneLine(
        refused,
        new RegExp(
          `^exec /bin/bash: argument list too long: the arguments and environment take ${limit + 1} bytes, at most ${limit} fit ` +
            '\\(a quarter of the stack size limit, [^;]+; at most 6 MiB\\); ' +
            'the largest are the (start )?command [\\d.]+ KiB, PAD_\\d+ [\\d.]+ KiB, PAD_\\d+ [\\d.]+ KiB$',
        ),
        code,
      );
    });
  });
});

describe('/bin/bash cannot be executed (a private mount namespace replaces it)', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'launcher-exec-'));
  });
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  /** A file made from the real bash with `edit` applied, mode `mode`. */
  function bashCopy(name: string, edit: (elf: Buffer) => void, mode = 0o755): string {
    const elf = fs.readFileSync('/bin/bash');
    edit(elf);
    const file = path.join(scratch, name);
    fs.writeFileSync(file, elf, { mode });
    fs.chmodSync(file, mode);
    return file;
  }

  function file(name: string, content: string, mode: number): string {
    const f = path.join(scratch, name);
    fs.writeFileSync(f, content, { mode });
    fs.chmodSync(f, mode);
    return f;
  }

  /** Runs `executable args…` with `setup` (mount commands) done first in a private mount namespace. */
  function inNamespace(setup: string, executable: string, args: readonly string[]): Promise<RunResult> {
    return exec('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `${setup} && exec "$@"`, 'sh', executable, ...args], {
      cwd: droplet.root,
      env: baseEnv(),
    });
  }

  const cases: Array<[string, () => string, string]> = [
    [
      'missing (an empty directory over /usr/bin, where /bin/bash lives)',
      () => `mount --bind ${fs.mkdtempSync(path.join(scratch, 'empty-'))} /usr/bin`,
      'no such file or directory',
    ],
    ['without an x bit', () => `mount --bind ${bashCopy('bash-0644', () => undefined, 0o644)} /bin/bash`, 'permission denied'],
    [
      'on a noexec mount',
      () => `mount --bind ${bashCopy('bash-noexec', () => undefined)} /bin/bash && mount -o remount,bind,noexec /bin/bash`,
      'permission denied',
    ],
    [
      'a directory',
      () => {
        const bin = fs.mkdtempSync(path.join(scratch, 'bin-'));
        fs.mkdirSync(path.join(bin, 'bash'));
        return `mount --bind ${bin} /usr/bin`;
      },
      'permission denied',
    ],
    ['text, not a program', () => `mount --bind ${file('text', 'echo this is not a program\n', 0o755)} /bin/bash`, 'exec format error'],
    [
      'a script whose interpreter is missing',
      () => `mount --bind ${file('script', '#!/no/such/interpreter -e\necho hi\n', 0o755)} /bin/bash`,
      'no such file or directory',
    ],
    [
      'an ELF file for another machine',
      () => `mount --bind ${bashCopy('bash-aarch64', (elf) => elf.writeUInt16LE(process.arch === 'arm64' ? 62 : 183, 18))} /bin/bash`,
      'exec format error',
    ],
    [
      'an ELF file whose loader is missing',
      () => {
        const copy = bashCopy('bash-no-loader', (elf) => {
          const loader = process.arch === 'arm64' ? '/lib/ld-linux-aarch64.so.1\0' : '/lib64/ld-linux-x86-64.so.2\0';
          const at = elf.indexOf(loader);
          expect(at).toBeGreaterThan(0);
          elf.write('/', at + 1); // `//b64/…`: the same length, no such file
        });
        return `mount --bind ${copy} /bin/bash`;
      },
      'no such file or directory',
    ],
  ];

  it.each(cases)('%s: launcher exit 4, shell exit 1, one line', async (_what, setup, reason) => {
    const mounts = setup();
    droplet.write('staging_info.yml', `{"start_command":"echo ${SECRET}"}`);

    expectOneLine(await inNamespace(mounts, LAUNCHER, ['app', '', '{}']), `exec /bin/bash: ${reason}`, 4);
    expectOneLine(await inNamespace(mounts, SHELL, ['app', `echo ${SECRET}`]), `exec /bin/bash: ${reason}`, 1);
  });

  it("the host's /bin/bash is untouched and the launcher still starts apps", async () => {
    const r = await droplet.launch(['app', 'echo fine', '{}']);
    expect(r.stdout).toBe(launcherStdout('fine\n'));
    expect(r.code).toBe(0);
  });
});
