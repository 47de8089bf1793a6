// CONTRACT §3.2 (staging_info.yml, read from the launcher's cwd with the YAML rules of §1.3) and §3.3
// (start command and entrypoint). The built launcher runs from a droplet root.
// Project decisions: Q35 kept (JSON content, read from the cwd), Q21 kept (entrypoint_prefix spliced unquoted).
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Droplet, LAUNCHER, baseEnv, killLeftovers, launcherStdout } from '../helpers/launch.ts';

let droplet: Droplet;
beforeEach(() => {
  droplet = new Droplet();
});
afterEach(() => {
  killLeftovers();
  droplet.cleanup();
});

const UNMARSHAL = 'Invalid staging info - failed to unmarshal staging_info.yml: ';

describe('CONTRACT §3.2 staging_info.yml', () => {
  it('missing: treated as empty (the start command argument is used)', async () => {
    const r = await droplet.launch(['app', 'echo started', '']);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(launcherStdout('started\n'));
    expect(r.code).toBe(0);
  });

  it('missing, and no start command argument: the missing-command error (§3.3)', async () => {
    const r = await droplet.launch(['app', '', ''], { argv0: 'launcher' });

    expect(r.stderr).toBe('launcher: no start command specified or detected in droplet');
    expect(r.code).toBe(1);
  });

  it('is read from the cwd, not from the app directory (Q35 kept)', async () => {
    droplet.write('app/staging_info.yml', '{"start_command":"echo from-app-dir"}\n');
    droplet.write('elsewhere/staging_info.yml', '{"start_command":"echo from-cwd"}\n');

    const r = await droplet.launch([droplet.app, '', ''], { cwd: droplet.path('elsewhere') });

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(launcherStdout('from-cwd\n'));
    expect(r.code).toBe(0);
  });

  it('a directory: `Invalid staging info - read staging_info.yml: is a directory`, exit 1', async () => {
    droplet.mkdir('staging_info.yml');

    const r = await droplet.launch(['app', 'echo never', '']);

    expect(r.stderr).toBe('Invalid staging info - read staging_info.yml: is a directory');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
  });

  it('another read error (a symlink loop): `Invalid staging info - open staging_info.yml: …`, exit 1', async () => {
    fs.symlinkSync('staging_info.yml', droplet.path('staging_info.yml'));

    const r = await droplet.launch(['app', 'echo never', '']);

    expect(r.stderr).toBe('Invalid staging info - open staging_info.yml: too many levels of symbolic links');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
  });

  it('is read before anything else but the argument count: it wins over a missing app dir, bad platform options and a bad flag', async () => {
    droplet.mkdir('staging_info.yml');

    const r = await droplet.launch(['no-such-app', 'echo never', '-bogus'], { env: baseEnv({ VCAP_PLATFORM_OPTIONS: 'not json' }) });

    expect(r.stderr).toBe('Invalid staging info - read staging_info.yml: is a directory');
    expect(r.code).toBe(1);
  });

  describe('YAML errors: `Invalid staging info - failed to unmarshal staging_info.yml: <yaml error>`, exit 1, no newline', () => {
    it('an anchor name with `/` (`start_command: &ruby/object:Pathname`) is a syntax error (§1.3)', async () => {
      droplet.write('staging_info.yml', 'start_command: &ruby/object:Pathname');

      const r = await droplet.launch(['app', 'echo never', '']);

      expect(r.stderr).toBe(`${UNMARSHAL}yaml: did not find expected alphabetic or numeric character`);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
    });

    it('the same error past the first line names the line, as yaml.v2 does', async () => {
      droplet.write('staging_info.yml', 'detected_buildpack: Ruby\nstart_command: &ruby/object:Pathname\n  path: bin/rails\n');

      const r = await droplet.launch(['app', 'echo never', '']);

      expect(r.stderr).toBe(`${UNMARSHAL}yaml: line 2: did not find expected alphabetic or numeric character`);
      expect(r.code).toBe(1);
    });

    it('even when a start command argument is given (the file is still parsed)', async () => {
      droplet.write('staging_info.yml', 'start_command: &ruby/object:Pathname\n');

      const r = await droplet.launch(['app', 'echo given', '']);

      expect(r.stderr).toBe(`${UNMARSHAL}yaml: did not find expected alphabetic or numeric character`);
      expect(r.code).toBe(1);
    });

    it.each([['an unterminated flow sequence', '[', 'yaml: line 1: did not find expected node content']])('%s', async (_what, content, message) => {
      droplet.write('staging_info.yml', content);

      const r = await droplet.launch(['app', 'echo never', '']);

      expect(r.stderr).toBe(`${UNMARSHAL}${message}`);
      expect(r.code).toBe(1);
    });

    it.each([
      ['a top level that is a string', 'just a string\n'],
      ['a top level that is a sequence', '[a, b]\n'],
      ['a sequence where start_command is expected', 'start_command: [echo, hi]\n'],
      ['a mapping where start_command is expected', 'start_command:\n  run: echo hi\n'],
      ['a mapping where entrypoint_prefix is expected', 'start_command: echo hi\nconfig:\n  entrypoint_prefix: {a: b}\n'],
      ['broken JSON', '{"start_command": "echo hi",\n'],
    ])('%s', async (_what, content) => {
      droplet.write('staging_info.yml', content);

      const r = await droplet.launch(['app', 'echo never', '']);

      expect(r.stderr.startsWith(`${UNMARSHAL}yaml: `)).toBe(true);
      expect(r.stderr.endsWith('\n')).toBe(false);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
    });
  });

  describe('accepted content', () => {
    it('JSON as the builder writes it (§2.15), with `\\u0026` escapes, supplies start_command', async () => {
      droplet.write('staging_info.yml', '{"detected_buildpack":"Always \\u003cMatching\\u003e","start_command":"echo one \\u0026\\u0026 echo two"}\n');

      const r = await droplet.launch(['app', '', '']);

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(launcherStdout('one\ntwo\n'));
      expect(r.code).toBe(0);
    });

    it('JSON with a config object supplies config.entrypoint_prefix', async () => {
      droplet.write(
        'staging_info.yml',
        '{"detected_buildpack":"","start_command":"the start command","config":{"entrypoint_prefix":"echo \'\\u003cprefix\\u003e \\u0026\'"}}\n',
      );

      const r = await droplet.launch(['app', '', '']);

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(launcherStdout('<prefix> & the start command\n'));
      expect(r.code).toBe(0);
    });

    it('an empty file is treated as empty', async () => {
      droplet.write('staging_info.yml', '');

      const r = await droplet.launch(['app', 'echo fine', '']);

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(launcherStdout('fine\n'));
      expect(r.code).toBe(0);
    });

    it('unknown keys, even with custom tags, are ignored', async () => {
      droplet.write(
        'staging_info.yml',
        [
          '---',
          'detected_buildpack: Ruby',
          'effective_path: !ruby/object:Pathname',
          '  path: /home/vcap/app',
          'other: !!binary aGVsbG8=',
          'start_command: echo tagged-neighbours',
          'config:',
          '  unknown: !custom/tag {x: 1}',
          '',
        ].join('\n'),
      );

      const r = await droplet.launch(['app', '', '']);

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(launcherStdout('tagged-neighbours\n'));
      expect(r.code).toBe(0);
    });

    it('a scalar start_command keeps its original text (`1.0` stays `1.0`, §1.3)', async () => {
      droplet.write('staging_info.yml', 'start_command: 1.0\nconfig:\n  entrypoint_prefix: echo\n');

      const r = await droplet.launch(['app', '', '']);

      expect(r.stdout).toBe(launcherStdout('1.0\n'));
      expect(r.code).toBe(0);
    });

    it('a null start_command is empty: the missing-command error', async () => {
      droplet.write('staging_info.yml', 'start_command: ~\ndetected_buildpack:\n');

      const r = await droplet.launch(['app', '', ''], { argv0: 'launcher' });

      expect(r.stderr).toBe('launcher: no start command specified or detected in droplet');
      expect(r.code).toBe(1);
    });

    it('duplicate keys: the last one wins', async () => {
      droplet.write('staging_info.yml', 'start_command: echo first\nstart_command: echo last\n');

      const r = await droplet.launch(['app', '', '']);

      expect(r.stdout).toBe(launcherStdout('last\n'));
      expect(r.code).toBe(0);
    });
  });
});

describe('CONTRACT §3.3 Start command and entrypoint', () => {
  it('the start command argument wins over staging_info.yml', async () => {
    droplet.write('staging_info.yml', '{"start_command":"echo from-staging-info"}\n');

    const r = await droplet.launch(['app', 'echo from-argument', '']);

    expect(r.stdout).toBe(launcherStdout('from-argument\n'));
    expect(r.code).toBe(0);
  });

  it('an empty start command argument falls back to staging_info.yml', async () => {
    droplet.write('staging_info.yml', '{"start_command":"echo from-staging-info"}\n');

    const r = await droplet.launch(['app', '', '']);

    expect(r.stdout).toBe(launcherStdout('from-staging-info\n'));
    expect(r.code).toBe(0);
  });

  it.each([
    ['the full path', undefined, LAUNCHER],
    ['"launcher"', 'launcher', 'launcher'],
  ])('no command anywhere: `<argv0>: no start command specified or detected in droplet` with argv[0] = %s, exit 1, no newline', async (_what, argv0, shown) => {
    droplet.write('staging_info.yml', '{"detected_buildpack":"Something","start_command":""}\n');

    const r = await droplet.launch(['app', '', ''], { argv0 });

    expect(r.stderr).toBe(`${shown}: no start command specified or detected in droplet`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
  });

  it('the default entrypoint is `bash -c`: inside the command $0 is bash and $# is 0', async () => {
    const r = await droplet.launch(['app', 'echo "$0 $#"', '']);

    expect(r.stdout).toBe(launcherStdout('bash 0\n'));
    expect(r.code).toBe(0);
  });

  it('the command is passed as one argument: shell syntax in it is interpreted by `bash -c`', async () => {
    const r = await droplet.launch(['app', 'for w in a "b c"; do echo "[$w]"; done | tr a-z A-Z', '']);

    expect(r.stdout).toBe(launcherStdout('[A]\n[B C]\n'));
    expect(r.code).toBe(0);
  });

  it('entrypoint_prefix is spliced unquoted and receives the command as one argument (Q21 kept): `echo prefix-with-args`', async () => {
    droplet.write('staging_info.yml', '{"start_command":"the   start command","config":{"entrypoint_prefix":"echo prefix-with-args"}}\n');

    const r = await droplet.launch(['app', '', '']);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(launcherStdout('prefix-with-args the   start command\n'));
    expect(r.code).toBe(0);
  });

  it('entrypoint_prefix applies to a start command given as an argument too', async () => {
    droplet.write('staging_info.yml', '{"start_command":"ignored","config":{"entrypoint_prefix":"echo prefix-with-args"}}\n');

    const r = await droplet.launch(['app', 'my command', '']);

    expect(r.stdout).toBe(launcherStdout('prefix-with-args my command\n'));
    expect(r.code).toBe(0);
  });

  it('shell syntax in entrypoint_prefix is interpreted (Q21 kept): `$HOME` expands', async () => {
    droplet.write('staging_info.yml', '{"config":{"entrypoint_prefix":"echo $HOME"}}\n');

    const r = await droplet.launch(['app', 'cmd', '']);

    expect(r.stdout).toBe(launcherStdout(`${droplet.app} cmd\n`));
    expect(r.code).toBe(0);
  });

  it('an empty entrypoint_prefix means `bash -c`', async () => {
    droplet.write('staging_info.yml', '{"start_command":"echo \\"$0\\"","config":{"entrypoint_prefix":""}}\n');

    const r = await droplet.launch(['app', '', '']);

    expect(r.stdout).toBe(launcherStdout('bash\n'));
    expect(r.code).toBe(0);
  });

  it('an entrypoint that is not found: `exec: <name>: not found` on stderr, status 127', async () => {
    droplet.write('staging_info.yml', '{"config":{"entrypoint_prefix":"no-such-entrypoint --flag"}}\n');

    const r = await droplet.launch(['app', 'echo never', ''], { argv0: 'launcher' });

    expect(r.stderr).toMatch(/^launcher: line \d+: exec: no-such-entrypoint: not found\n$/);
    expect(r.stdout).toBe(launcherStdout());
    expect(r.code).toBe(127);
  });

  it('a custom entrypoint is found via PATH as set by a profile script', async () => {
    droplet.write('staging_info.yml', '{"start_command":"the command","config":{"entrypoint_prefix":"custom-entrypoint --wrapped"}}\n');
    droplet.write('deps/0/bin/custom-entrypoint', '#!/bin/bash\necho "custom-entrypoint got $# args: [$1] [$2]"\nexit 5\n', 0o755);
    droplet.write('app/.profile.d/0-path.sh', 'export PATH="$DEPS_DIR/0/bin:$PATH"\n');

    const r = await droplet.launch(['app', '', '']);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(launcherStdout('custom-entrypoint got 2 args: [--wrapped] [the command]\n'));
    expect(r.code).toBe(5);
  });
});
