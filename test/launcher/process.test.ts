// CONTRACT §3.5 Process start (and the launcher's "other" row of §1.4): the launcher replaces itself
// with bash, prints its two messages, and the app inherits its PID, streams and exit status.
// Project decision: Q20 kept (the app dir need not exist: bash reports the failed `cd` and continues).
// Not covered: exit 4 when /bin/bash cannot be executed (would need to remove the system's /bin/bash).
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Droplet, LAUNCHER, baseEnv, killLeftovers, launcherStdout, start } from '../helpers/launch.ts';

let droplet: Droplet;
beforeEach(() => {
  droplet = new Droplet();
});
afterEach(() => {
  killLeftovers();
  droplet.cleanup();
});

describe('CONTRACT §3.5 Process start', () => {
  it("prints exactly `Invoking pre-start scripts.` and `Invoking start command.` on stdout, then the app's output", async () => {
    const r = await droplet.launch(['app', 'echo app-output; printf no-newline', '']);

    expect(r.stdout).toBe('Invoking pre-start scripts.\nInvoking start command.\napp-output\nno-newline');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it("the app's stdout and stderr are the launcher's", async () => {
    const r = await droplet.launch(['app', 'echo out; echo err >&2; echo out2', '']);

    expect(r.stdout).toBe(launcherStdout('out\nout2\n'));
    expect(r.stderr).toBe('err\n');
  });

  it('PWD seen by the app is the absolute app dir, and it runs there', async () => {
    droplet.write('app/marker', 'in the app dir\n');

    const r = await droplet.launch(['./app/../app', 'echo "$PWD"; pwd; cat marker', '']);

    expect(r.stdout).toBe(launcherStdout(`${droplet.app}\n${droplet.app}\nin the app dir\n`));
    expect(r.code).toBe(0);
  });

  it.each([[0], [1], [26], [127], [255]])("the app's exit status %i becomes the launcher's", async (status) => {
    const r = await droplet.launch(['app', `echo bye; exit ${status}`, '']);

    expect(r.stdout).toBe(launcherStdout('bye\n'));
    expect(r.code).toBe(status);
  });

  it('an app killed by a signal: the launcher process ends by that signal', async () => {
    const r = await droplet.launch(['app', 'kill -KILL $$', '']);

    expect(r.code).toBeNull();
    expect(r.signal).toBe('SIGKILL');
  });

  it("the app gets the launcher's stdin", async () => {
    const r = await droplet.launch(['app', 'read -r line; echo "got: $line"', ''], { input: 'hello stdin\n' });

    expect(r.stdout).toBe(launcherStdout('got: hello stdin\n'));
    expect(r.code).toBe(0);
  });

  describe('a missing app directory (Q20 kept)', () => {
    it("bash reports the failed `cd` on stderr and the script continues in the launcher's cwd", async () => {
      const missing = droplet.path('no-such-app');

      const r = await droplet.launch(['no-such-app', 'echo "running in $PWD, HOME=$HOME"', ''], { argv0: 'launcher' });

      expect(r.stderr).toMatch(new RegExp(`^launcher: line \\d+: cd: ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: No such file or directory\\n$`));
      expect(r.stderr).toContain(`cd: ${missing}: No such file or directory`);
      expect(r.stdout).toBe(launcherStdout(`running in ${droplet.root}, HOME=${missing}\n`));
      expect(r.code).toBe(0);
    });

    it('with the default argv0 the message names the full path', async () => {
      const r = await droplet.launch(['gone', 'true', '']);

      expect(r.stderr).toMatch(/^\/.*\/launcher: line \d+: cd: .*\/gone: No such file or directory\n$/);
      expect(r.stderr.startsWith(`${LAUNCHER}: line `)).toBe(true);
      expect(r.code).toBe(0);
    });

    it('an app dir that is a file: `Not a directory`, and the app still starts', async () => {
      droplet.write('a-file', 'x');

      const r = await droplet.launch(['a-file', 'echo started', '']);

      expect(r.stderr).toContain(`cd: ${droplet.path('a-file')}: Not a directory`);
      expect(r.stdout).toBe(launcherStdout('started\n'));
      expect(r.code).toBe(0);
    });
  });

  describe('the app replaces the launcher (exec)', () => {
    it("the app's PID is the PID of the launcher process that was spawned, and that process is bash", async () => {
      const pidFile = droplet.path('app.pid');
      const app = start(LAUNCHER, ['app', `echo $$ > '${pidFile}'; echo ready; read -r _`, ''], { cwd: droplet.root, env: baseEnv(), input: '' });
      // stdin is closed at once, so `read` ends the app; the PID file is written before.
      const r = await app.done;

      expect(r.stdout).toBe(launcherStdout('ready\n'));
      expect(Number(fs.readFileSync(pidFile, 'utf8').trim())).toBe(app.pid);
    });

    it('while running, the spawned PID is the app: /proc shows bash running the start command', async () => {
      const pidFile = droplet.path('app.pid');
      const app = start(LAUNCHER, ['app', `echo $$ > '${pidFile}'; echo ready; while :; do sleep 0.05 & wait $!; done`, ''], { cwd: droplet.root });
      await app.stdoutContains('ready\n');

      expect(Number(fs.readFileSync(pidFile, 'utf8').trim())).toBe(app.pid);
      expect(fs.readFileSync(`/proc/${app.pid}/comm`, 'utf8').trim()).toBe('bash');
      const cmdline = fs.readFileSync(`/proc/${app.pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline.slice(0, 2)).toEqual(['bash', '-c']);
      expect(cmdline[2]).toContain(`echo $$ > '${pidFile}'`);

      app.child.kill('SIGKILL');
      const r = await app.done;
      expect(r.signal).toBe('SIGKILL');
    });

    it("SIGTERM sent to the spawned PID runs the app's own trap handler, whose exit code is the launcher process's", async () => {
      const pidFile = droplet.path('app.pid');
      const trapped = droplet.path('trapped');
      const command = [
        `echo $$ > '${pidFile}'`,
        `trap 'echo "caught TERM"; echo handled > "${trapped}"; exit 42' TERM`,
        'echo ready',
        'while :; do sleep 0.05 & wait $!; done',
      ].join('\n');
      const app = start(LAUNCHER, ['app', command, ''], { cwd: droplet.root });
      await app.stdoutContains('ready\n');
      expect(Number(fs.readFileSync(pidFile, 'utf8').trim())).toBe(app.pid);

      process.kill(app.pid, 'SIGTERM');
      const r = await app.done;

      expect(r.stdout).toBe(launcherStdout('ready\ncaught TERM\n'));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(42);
      expect(r.signal).toBeNull();
      expect(fs.readFileSync(trapped, 'utf8')).toBe('handled\n');
    });

    it('with an entrypoint_prefix the entrypoint, too, runs under the spawned PID', async () => {
      droplet.write('staging_info.yml', '{"config":{"entrypoint_prefix":"exec-as-is"}}\n');
      droplet.write('bin/exec-as-is', '#!/bin/bash\necho "entrypoint pid $$"\nexec bash -c "$1"\n', 0o755);

      const app = start(LAUNCHER, ['app', 'echo "app pid $$"', ''], { cwd: droplet.root, env: baseEnv({ PATH: `${droplet.path('bin')}:${baseEnv().PATH}` }) });
      const r = await app.done;

      expect(r.stdout).toBe(launcherStdout(`entrypoint pid ${app.pid}\napp pid ${app.pid}\n`));
      expect(r.code).toBe(0);
    });
  });
});
