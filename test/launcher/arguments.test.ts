// CONTRACT §3.1 (launcher arguments) with the flag syntax of §1.1 applied to the launcher's credhub
// flags, and the launcher rows of §1.4. The built `dist/lifecycle/launcher` runs as a process from a
// droplet root. Project decision: Q23 kept (the metadata argument is ignored, and so are flags after it).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateCertificates, type TestCertificates } from '../helpers/certs.ts';
import { unusedPort } from '../helpers/servers.ts';
import { Droplet, LAUNCHER, baseEnv, credhubIdentity, killLeftovers, launcherStdout, platformOptions } from '../helpers/launch.ts';

const usage = (argv0: string, n: number): string => `${argv0}: received only ${n} arguments\nUsage: ${argv0} <app-directory> <start-command> <metadata>`;

let droplet: Droplet;
afterEach(() => {
  killLeftovers();
  droplet.cleanup();
});

describe('CONTRACT §3.1 Arguments', () => {
  describe('fewer than 3 arguments', () => {
    beforeEach(() => {
      droplet = new Droplet();
    });

    it.each([
      [0, []],
      [1, ['app']],
      [2, ['app', 'echo hi']],
    ])('with %i arguments prints the usage with argv[0] as the full path, exit 1', async (n, args) => {
      const r = await droplet.launch(args);

      expect(r.stderr).toBe(usage(LAUNCHER, n));
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
    });

    it.each([
      [0, []],
      [1, ['app']],
      [2, ['app', 'echo hi']],
    ])('with %i arguments and argv[0] = "launcher" prints argv[0] verbatim, exit 1', async (n, args) => {
      const r = await droplet.launch(args, { argv0: 'launcher' });

      expect(r.stderr).toBe(usage('launcher', n));
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
    });

    it('counts an empty-string argument as an argument', async () => {
      const r = await droplet.launch(['', ''], { argv0: 'launcher' });

      expect(r.stderr).toBe(usage('launcher', 2));
      expect(r.code).toBe(1);
    });
  });

  describe('the app directory', () => {
    beforeEach(() => {
      droplet = new Droplet();
    });

    it.each([['app'], ['./app/../app'], ['app/'], ['app//.']])('%s is made absolute against the cwd and lexically cleaned', async (arg) => {
      const r = await droplet.launch([arg, 'printf "%s|%s" "$HOME" "$PWD"', '']);

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(launcherStdout(`${droplet.app}|${droplet.app}`));
      expect(r.code).toBe(0);
    });

    it("is resolved against the launcher's own cwd, not the droplet root", async () => {
      droplet.mkdir('app/sub');

      const r = await droplet.launch(['sub', 'printf %s "$HOME"', ''], { cwd: droplet.app });

      expect(r.stdout).toBe(launcherStdout(droplet.path('app', 'sub')));
      expect(r.code).toBe(0);
    });

    it('an absolute app directory is used as given', async () => {
      const r = await droplet.launch([droplet.app, 'printf %s "$PWD"', ''], { cwd: '/' });

      expect(r.stdout).toBe(launcherStdout(droplet.app));
      expect(r.code).toBe(0);
    });
  });

  describe('the metadata argument is never interpreted (Q23 kept)', () => {
    beforeEach(() => {
      droplet = new Droplet();
    });

    it('a start_command in the metadata JSON is not used', async () => {
      const r = await droplet.launch(['app', '', '{ "start_command": "echo from-metadata", "process_types": { "web": "echo web" } }'], { argv0: 'launcher' });

      expect(r.stderr).toBe('launcher: no start command specified or detected in droplet');
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
    });

    it.each([[''], ['{ "start_command": "echo from-metadata" }'], ['not json at all'], ['{']])('metadata %j does not change what runs', async (metadata) => {
      const r = await droplet.launch(['app', 'echo from-argument', metadata]);

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(launcherStdout('from-argument\n'));
      expect(r.code).toBe(0);
    });

    it('extra arguments after the metadata are ignored', async () => {
      const r = await droplet.launch(['app', 'echo ok', '{}', 'extra', '-bogus-flag', '--']);

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(launcherStdout('ok\n'));
      expect(r.code).toBe(0);
    });
  });

  describe('credhub flags in place of the metadata (§1.1 syntax, flag set "launcher")', () => {
    let certs: TestCertificates;
    beforeAll(() => {
      certs = generateCertificates();
    });
    afterAll(() => certs.cleanup());
    beforeEach(() => {
      droplet = new Droplet();
    });

    /**
     * An environment whose credhub interpolation always fails with a refused connection, so the
     * per-attempt lines (`… out of <N>`) show which -credhubConnectAttempts the launcher used.
     */
    async function refusedCredhubEnv(): Promise<{ env: Record<string, string>; attemptLine: (n: number, of: number) => string }> {
      const port = await unusedPort();
      const uri = `https://127.0.0.1:${port}`;
      const error = `Post "${uri}/api/v1/interpolate": dial tcp 127.0.0.1:${port}: connect: connection refused`;
      return {
        env: baseEnv({
          ...credhubIdentity(droplet, certs.client, certs.ca),
          VCAP_PLATFORM_OPTIONS: platformOptions(uri),
          VCAP_SERVICES: '{"db":[{"credentials":{"credhub-ref":"((/db))"}}]}',
        }),
        attemptLine: (n, of) => `Failed on attempt ${n} out of ${of}: Unable to interpolate credhub references: ${error}\n`,
      };
    }

    const attempts = (line: (n: number, of: number) => string, of: number): string => Array.from({ length: of }, (_, i) => line(i + 1, of)).join('');

    it('`launcher <dir> <cmd> -credhubRetryDelay=0s -credhubConnectAttempts=1` uses the flags', async () => {
      const { env, attemptLine } = await refusedCredhubEnv();

      const r = await droplet.launch(['app', 'echo never', '-credhubRetryDelay=0s', '-credhubConnectAttempts=1'], { env });

      expect(r.stdout).toBe(attempts(attemptLine, 1));
      expect(r.stderr.startsWith('Unable to interpolate credhub refs: Unable to interpolate credhub references: Post ')).toBe(true);
      expect(r.code).toBe(3);
    });

    it.each([
      ['--name value', ['--credhubConnectAttempts', '2', '--credhubRetryDelay', '0']],
      ['-name value', ['-credhubConnectAttempts', '2', '-credhubRetryDelay', '0s']],
      ['--name=value', ['--credhubConnectAttempts=2', '--credhubRetryDelay=10ms']],
      ['Go integer syntax 0x2', ['-credhubConnectAttempts=0x2', '-credhubRetryDelay=0s']],
      ['Go integer syntax +2', ['-credhubConnectAttempts=+2', '-credhubRetryDelay=0s']],
      ['the last of a repeated flag', ['-credhubConnectAttempts=7', '-credhubRetryDelay=0s', '-credhubConnectAttempts=2']],
    ])('accepts %s', async (_form, flags) => {
      const { env, attemptLine } = await refusedCredhubEnv();

      const r = await droplet.launch(['app', 'echo never', ...flags], { env });

      expect(r.stdout).toBe(attempts(attemptLine, 2));
      expect(r.code).toBe(3);
    });

    it('the duration flag takes Go duration syntax: -credhubRetryDelay=1m30s parses (and is waited between attempts)', async () => {
      const { env, attemptLine } = await refusedCredhubEnv();

      // One attempt: no wait after the last attempt (Q28 fixed), so a 90 s delay costs nothing.
      const started = Date.now();
      const r = await droplet.launch(['app', 'echo never', '-credhubRetryDelay=1m30s', '-credhubConnectAttempts=1'], { env });

      expect(r.stdout).toBe(attempts(attemptLine, 1));
      expect(r.code).toBe(3);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it.each([
      ['after a JSON metadata argument', ['{ "start_command": "x" }', '-credhubConnectAttempts=1', '-credhubRetryDelay=0s']],
      ['after an empty metadata argument', ['', '-credhubConnectAttempts=1', '-credhubRetryDelay=0s']],
      ['after "--" (consumed, parsing stops)', ['--', '-credhubConnectAttempts=1', '-credhubRetryDelay=0s']],
      ['after a lone "-"', ['-', '-credhubConnectAttempts=1', '-credhubRetryDelay=0s']],
    ])('ignores flags %s: the defaults (3 attempts, 1s apart) apply (Q23 kept)', async (_where, rest) => {
      const { env, attemptLine } = await refusedCredhubEnv();

      const started = Date.now();
      const r = await droplet.launch(['app', 'echo never', ...rest], { env });
      const elapsed = Date.now() - started;

      expect(r.stdout).toBe(attempts(attemptLine, 3));
      expect(r.code).toBe(3);
      // Two 1 s delays between three attempts, none after the last (Q28 fixed).
      expect(elapsed).toBeGreaterThanOrEqual(1900);
      expect(elapsed).toBeLessThan(4500);
    });

    it('a boolean-looking value does not stop parsing of the flags before it', async () => {
      const { env, attemptLine } = await refusedCredhubEnv();

      const r = await droplet.launch(['app', 'echo never', '-credhubRetryDelay=0s', '-credhubConnectAttempts=2', 'false', '-credhubConnectAttempts=1'], {
        env,
      });

      expect(r.stdout).toBe(attempts(attemptLine, 2));
      expect(r.code).toBe(3);
    });

    describe('a bad flag exits 2 with the error and `Usage of launcher:` on stderr', () => {
      it.each([
        [['-bogus'], 'flag provided but not defined: -bogus'],
        [['--bogus=1'], 'flag provided but not defined: -bogus'],
        [['-credhubRetryDelay'], 'flag needs an argument: -credhubRetryDelay'],
        [['-credhubConnectAttempts'], 'flag needs an argument: -credhubConnectAttempts'],
        [['-credhubConnectAttempts=many'], 'invalid value "many" for flag -credhubConnectAttempts: parse error'],
        [['-credhubConnectAttempts=1.5'], 'invalid value "1.5" for flag -credhubConnectAttempts: parse error'],
        [['-credhubRetryDelay=5'], 'invalid value "5" for flag -credhubRetryDelay: parse error'],
        [['-credhubRetryDelay=soon'], 'invalid value "soon" for flag -credhubRetryDelay: parse error'],
        [['---credhubRetryDelay=0s'], 'bad flag syntax: ---credhubRetryDelay=0s'],
        [['-=1'], 'bad flag syntax: -=1'],
      ])('%j → %s', async (flags, message) => {
        const r = await droplet.launch(['app', 'echo never', ...flags]);

        expect(r.stderr.startsWith(`${message}\nUsage of launcher:`)).toBe(true);
        expect(r.stdout).toBe('');
        expect(r.code).toBe(2);
      });

      it.each([['-h'], ['-help'], ['--help']])('%s prints the usage on stderr and exits 0 without starting the app', async (flag) => {
        const r = await droplet.launch(['app', `echo started > '${droplet.path('started')}'`, flag]);

        expect(r.stderr.startsWith('Usage of launcher:')).toBe(true);
        expect(r.stdout).toBe('');
        expect(r.code).toBe(0);
        expect(droplet.exists('started')).toBe(false);
      });

      it('only after the staging info check (§3.2): a bad staging_info.yml wins with exit 1', async () => {
        droplet.mkdir('staging_info.yml');

        const r = await droplet.launch(['app', 'echo never', '-bogus']);

        expect(r.stderr).toBe('Invalid staging info - read staging_info.yml: is a directory');
        expect(r.code).toBe(1);
      });

      it('only after the start command check (§3.3): a missing command wins with exit 1', async () => {
        const r = await droplet.launch(['app', '', '-bogus'], { argv0: 'launcher' });

        expect(r.stderr).toBe('launcher: no start command specified or detected in droplet');
        expect(r.code).toBe(1);
      });

      it('before the environment is computed (§3.4): invalid platform options do not matter', async () => {
        const r = await droplet.launch(['app', 'echo never', '-bogus'], { env: baseEnv({ VCAP_PLATFORM_OPTIONS: "'{}'" }) });

        expect(r.stderr.startsWith('flag provided but not defined: -bogus\nUsage of launcher:')).toBe(true);
        expect(r.code).toBe(2);
      });
    });
  });
});
