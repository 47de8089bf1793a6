// CONTRACT §4 Shell (`shell [app-directory [command [credhub flags…]]]`, used for `cf ssh`), run as the
// built `dist/lifecycle/shell` process. Project decision: Q30 kept (the "direcory" typo, no `.profile`,
// no messages, environment errors exit 1). Environment details are in environment.test.ts and
// credhub.test.ts; here the shell is compared with the launcher.
// Not covered: exit 1 when /bin/bash cannot be executed.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Droplet, SHELL, baseEnv, killLeftovers, parseEnv0, start } from '../helpers/launch.ts';

let droplet: Droplet;
beforeEach(() => {
  droplet = new Droplet();
});
afterEach(() => {
  killLeftovers();
  droplet.cleanup();
});

describe('CONTRACT §4 Shell', () => {
  describe('the app directory', () => {
    it.each([['no-such-dir'], ['']])("a first argument %j that cannot be stat'ed: `Provided app direcory does not exist`, exit 1, no newline", async (arg) => {
      const r = await droplet.shell([arg, 'echo never']);

      expect(r.stderr).toBe('Provided app direcory does not exist');
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
    });

    it('checks the directory before the flags', async () => {
      const r = await droplet.shell(['no-such-dir', 'echo never', '-bogus']);

      expect(r.stderr).toBe('Provided app direcory does not exist');
      expect(r.code).toBe(1);
    });

    it('without arguments, and no `app` under $HOME: `Could not infer app directory, please provide one`, exit 1', async () => {
      const home = droplet.mkdir('home-without-app');

      const r = await droplet.shell([], { env: baseEnv({ HOME: home }) });

      expect(r.stderr).toBe('Could not infer app directory, please provide one');
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
    });

    it('without arguments, the app dir is $HOME/app and the command an interactive `bash` reading stdin', async () => {
      const r = await droplet.shell([], { env: baseEnv({ HOME: droplet.root }), cwd: '/', input: 'echo "$PWD|$HOME|$0"\nexit 7\n' });

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${droplet.app}|${droplet.app}|bash\n`);
      expect(r.code).toBe(7);
    });

    it('with only the app dir, the command is `bash`', async () => {
      const r = await droplet.shell(['app'], { input: 'echo "in $PWD"\n' });

      expect(r.stdout).toBe(`in ${droplet.app}\n`);
      expect(r.code).toBe(0);
    });

    it.each([['app'], ['./app/../app/'], ['app/.']])('a relative app dir %s is made absolute', async (arg) => {
      const r = await droplet.shell([arg, 'printf "%s|%s|%s" "$PWD" "$HOME" "$DEPS_DIR"']);

      expect(r.stdout).toBe(`${droplet.app}|${droplet.app}|${droplet.path('deps')}`);
      expect(r.code).toBe(0);
    });

    it('existence only: a file is accepted, bash reports the failed `cd` and the command runs in the cwd', async () => {
      droplet.write('a-file', 'x');

      const r = await droplet.shell(['a-file', 'echo "ran in $PWD"'], { argv0: 'shell' });

      expect(r.stderr).toMatch(new RegExp(`^shell: line \\d+: cd: ${droplet.path('a-file').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: Not a directory\\n$`));
      expect(r.stdout).toBe(`ran in ${droplet.root}\n`);
      expect(r.code).toBe(0);
    });
  });

  describe('the command and credhub flags (flag set "shell")', () => {
    it('runs argument 2 with `bash -c`; only that one string is used', async () => {
      const r = await droplet.shell(['app', 'echo "one $0 $#"', 'echo two']);

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('one bash 0\n');
      expect(r.code).toBe(0);
    });

    it('parsing stops at the first non-flag: an extra word and the bad flag after it are silently ignored', async () => {
      const r = await droplet.shell(['app', 'echo fine', 'extra', '-bogus']);

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('fine\n');
      expect(r.code).toBe(0);
    });

    it('accepts the credhub flags', async () => {
      const r = await droplet.shell(['app', 'echo fine', '-credhubConnectAttempts=2', '--credhubRetryDelay', '10ms']);

      expect(r.stdout).toBe('fine\n');
      expect(r.code).toBe(0);
    });

    it.each([
      [['-bogus'], 'flag provided but not defined: -bogus'],
      [['-credhubConnectAttempts=x'], 'invalid value "x" for flag -credhubConnectAttempts: parse error'],
      [['-credhubRetryDelay=5'], 'invalid value "5" for flag -credhubRetryDelay: parse error'],
      [['-credhubRetryDelay'], 'flag needs an argument: -credhubRetryDelay'],
    ])('a bad flag %j exits 2 with `Usage of shell:`', async (flags, message) => {
      const r = await droplet.shell(['app', `echo started > '${droplet.path('started')}'`, ...flags]);

      expect(r.stderr.startsWith(`${message}\nUsage of shell:`)).toBe(true);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(2);
      expect(droplet.exists('started')).toBe(false);
    });

    it("the exit status is the command's", async () => {
      const r = await droplet.shell(['app', 'echo bye; exit 26']);

      expect(r.stdout).toBe('bye\n');
      expect(r.code).toBe(26);
    });

    it('environment errors exit 1, not 3', async () => {
      const r = await droplet.shell(['app', 'echo never'], { env: baseEnv({ VCAP_PLATFORM_OPTIONS: '{' }) });

      expect(r.stderr).toBe('Invalid platform options: unexpected end of JSON input');
      expect(r.code).toBe(1);
    });
  });

  describe('environment and scripts', () => {
    it("the command's environment is the same as the launcher's app's (§5)", async () => {
      const env = baseEnv({
        VCAP_APPLICATION: '{"name":"app & <co>","port":1}',
        PORT: '8080',
        INSTANCE_GUID: 'guid',
        INSTANCE_INDEX: '3',
        VCAP_PLATFORM_OPTIONS: '{}',
        VCAP_SERVICES: '{"b":[{"credentials":{"uri":"mysql://u:p@host/db"}}]}',
        TMPDIR: '/somewhere/else',
      });
      droplet.write('profile.d/a.sh', 'export FROM_PROFILE_D=yes\n');
      droplet.write('app/.profile.d/b.sh', 'export FROM_APP_PROFILE_D=yes\n');

      const launched = await droplet.launch(['app', `env -0 > '${droplet.path('launcher.env')}'`, ''], { env });
      const shelled = await droplet.shell(['app', `env -0 > '${droplet.path('shell.env')}'`], { env });

      expect(launched.code).toBe(0);
      expect(shelled.code).toBe(0);
      const fromShell = parseEnv0(droplet.read('shell.env'));
      expect(fromShell).toEqual(parseEnv0(droplet.read('launcher.env')));
      expect(fromShell).toMatchObject({
        HOME: droplet.app,
        PWD: droplet.app,
        TMPDIR: droplet.path('tmp'),
        DEPS_DIR: droplet.path('deps'),
        VCAP_APPLICATION: '{"host":"0.0.0.0","instance_id":"guid","instance_index":3,"name":"app \\u0026 \\u003cco\\u003e","port":8080}',
        DATABASE_URL: 'mysql2://u:p@host/db',
        FROM_PROFILE_D: 'yes',
        FROM_APP_PROFILE_D: 'yes',
      });
      expect(fromShell).not.toHaveProperty('VCAP_PLATFORM_OPTIONS');
    });

    it('sources ../profile.d/* then .profile.d/* (same rules as the launcher) but not .profile, and prints no messages', async () => {
      droplet.write('profile.d/b.sh', 'export ORDER="$ORDER root_b"\n');
      droplet.write('profile.d/a.sh', 'export ORDER="$ORDER root_a"\n');
      droplet.write('profile.d/.hidden.sh', 'export ORDER="$ORDER root_hidden"\n');
      droplet.write('app/.profile.d/with space.sh', 'export ORDER="$ORDER app_space"\n');
      droplet.write('app/.profile', 'export ORDER="$ORDER dot_profile"\necho ".profile was sourced"\n');

      const r = await droplet.shell(['app', 'echo "$ORDER"']);

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(' root_a root_b app_space\n');
      expect(r.code).toBe(0);
    });

    it('missing profile directories produce no output at all', async () => {
      const r = await droplet.shell(['app', 'true']);

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('');
      expect(r.code).toBe(0);
    });

    it('sourced scripts see $0 = argv0, $1 = the app dir, $2 = the command', async () => {
      droplet.write('app/.profile.d/probe.sh', 'echo "[$0] [$1] [$2] [$#]"\n');

      const r = await droplet.shell(['app', 'echo  done'], { argv0: 'shell' });

      expect(r.stdout).toBe(`[shell] [${droplet.app}] [echo  done] [2]\ndone\n`);
    });

    it('the command replaces the shell process: same PID, and its own SIGTERM trap decides the exit code', async () => {
      const pidFile = droplet.path('cmd.pid');
      const command = `echo $$ > '${pidFile}'; trap 'echo trapped; exit 43' TERM; echo ready; while :; do sleep 0.05 & wait $!; done`;
      const cmd = start(SHELL, ['app', command], { cwd: droplet.root });
      await cmd.stdoutContains('ready\n');

      expect(Number(fs.readFileSync(pidFile, 'utf8').trim())).toBe(cmd.pid);
      process.kill(cmd.pid, 'SIGTERM');
      const r = await cmd.done;

      expect(r.stdout).toBe('ready\ntrapped\n');
      expect(r.code).toBe(43);
    });
  });
});
