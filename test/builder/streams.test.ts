// CONTRACT §2.17 (output streams and final error reporting) and §1.4 (the builder's exit statuses).
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/stage.ts';
import { precreateResult, runBuilder } from '../helpers/records.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  precreateResult(ws);
});
afterEach(() => ws.cleanup());

const MULTI_WARNING =
  'Warning: the last buildpack is not compatible with multi-buildpack apps and cannot make use of any dependencies supplied by the buildpacks specified before it\n';

describe('CONTRACT §2.17 output streams and final error reporting', () => {
  describe('stdout carries only the stdout of supply, finalize and compile (and the detect warning)', () => {
    it('detect mode, compile: detect and release stdout are captured; every script’s stderr passes through, in order', async () => {
      ws.installBuildpack('prints-on-every-stream');
      const result = await ws.stage(['prints-on-every-stream']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('prints-on-every-stream: compile stdout\n');
      expect(result.stderr).toBe('prints-on-every-stream: detect stderr\nprints-on-every-stream: compile stderr\nprints-on-every-stream: release stderr\n');
    });

    it('skip-detect mode, supply then supply and finalize', async () => {
      ws.installBuildpack('prints-on-every-stream');
      ws.installBuildpack('prints-on-every-stream-with-finalize');
      const result = await ws.stage(['prints-on-every-stream', 'prints-on-every-stream-with-finalize'], { skipDetect: true });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(
        'prints-on-every-stream: supply stdout\n' +
          'prints-on-every-stream-with-finalize: supply stdout\n' +
          'prints-on-every-stream-with-finalize: finalize stdout\n',
      );
      expect(result.stderr).toBe(
        'prints-on-every-stream: supply stderr\n' +
          'prints-on-every-stream-with-finalize: supply stderr\n' +
          'prints-on-every-stream-with-finalize: finalize stderr\n' +
          'prints-on-every-stream-with-finalize: release stderr\n',
      );
    });

    it('skip-detect mode, supply then compile: the missing-finalize warning is on stderr between them', async () => {
      ws.installBuildpack('prints-on-every-stream');
      ws.installBuildpack('prints-on-every-stream', 'again');
      const result = await ws.stage(['prints-on-every-stream', 'again'], { skipDetect: true });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('prints-on-every-stream: supply stdout\nprints-on-every-stream: compile stdout\n');
      expect(result.stderr).toBe(
        `prints-on-every-stream: supply stderr\n${MULTI_WARNING}prints-on-every-stream: compile stderr\nprints-on-every-stream: release stderr\n`,
      );
    });

    it('the stdout of successive scripts arrives in the order they ran', async () => {
      ws.installBuildpack('has-supply-only', 'one');
      ws.installBuildpack('has-supply-only', 'two');
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['one', 'two', 'has-finalize'], { skipDetect: true });
      expect(result.stdout).toBe('has-supply-only: supply\nhas-supply-only: supply\nhas-finalize: supply\nhas-finalize: finalize\n');
      expect(result.stderr).toBe('');
    });
  });

  describe('on a staging error: the message and a newline on stderr, as the last line, once; the exit status from the message', () => {
    const cases: [string, string[], boolean, number, string][] = [
      ['no buildpack detected', ['always-fails'], false, 222, 'None of the buildpacks detected a compatible application'],
      ['compile failed (Q2)', ['fails-to-compile'], false, 223, 'Failed to compile droplet: Failed to compile droplet: exit status 1'],
      ['finalize failed (Q1: 223, never 226)', ['fails-to-finalize'], true, 223, 'Failed to compile droplet: Failed to run finalize script: exit status 1'],
      ['final buildpack’s supply failed', ['fails-to-supply'], true, 223, 'Failed to compile droplet: Failed to run all supply scripts: exit status 1'],
      ['release failed', ['fails-to-release'], false, 224, 'Failed to build droplet release: exit status 1'],
      ['supply failed', ['fails-to-supply', 'has-finalize'], true, 225, 'Failed to run all supply scripts: exit status 1'],
      [
        'supply buildpack without bin/supply',
        ['has-no-supply', 'has-finalize'],
        true,
        225,
        'Error: one of the buildpacks chosen to supply dependencies does not support multi-buildpack apps',
      ],
      ['packaging failed', ['deletes-build-dir'], false, 1, 'Failed to copy compiled droplet: exit status 1'],
    ];

    it.each(cases)('%s', async (_label, order, skipDetect, code, message) => {
      for (const key of order) ws.installBuildpack(key);
      const result = await ws.stage(order, { skipDetect });
      expect(result.code).toBe(code);
      expect(result.stderr.endsWith(`\n${message}\n`) || result.stderr === `${message}\n`).toBe(true);
      expect(result.stderr.split(message)).toHaveLength(2);
      expect(result.stdout).not.toContain(message);
    });

    it('the status follows the failure, not text inside the message (decided difference: typed errors)', async () => {
      // An unresolvable supply buildpack whose key is the no-detect message: the reference searches
      // the message text and would exit 222; the failure is a supply failure, so we exit 225.
      const key = 'None of the buildpacks detected a compatible application';
      ws.installBuildpack('has-no-bin-dir', key);
      ws.installBuildpack('has-finalize');
      const result = await ws.stage([key, 'has-finalize'], { skipDetect: true });
      expect(result.stderr).toBe(`Failed to run all supply scripts: malformed buildpack does not contain a /bin dir: ${key}\n`);
      expect(result.code).toBe(225);
    });

    it('invalid release output: `Failed to build droplet release: buildpack’s release output invalid: <yaml error>`, 224', async () => {
      ws.installBuildpack('release-generates-bad-yaml');
      const result = await ws.stage(['release-generates-bad-yaml']);
      expect(result.code).toBe(224);
      expect(result.stdout).toBe('release-generates-bad-yaml: compile\n');
      expect(result.stderr.startsWith("Failed to build droplet release: buildpack's release output invalid: ")).toBe(true);
      expect(result.stderr.endsWith('\n')).toBe(true);
    });

    it('a successful staging prints no error line and exits 0', async () => {
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['always-detects']);
      expect(result).toMatchObject({ code: 0, stdout: 'always-detects: compile\n', stderr: '' });
      expect(fs.statSync(ws.outputDroplet).size).toBeGreaterThan(0);
    });
  });
});

describe('CONTRACT §1.4 exit statuses of the builder', () => {
  it('2: flag parse error', async () => {
    const result = await runBuilder(ws, ['-no-such-flag']);
    expect(result.code).toBe(2);
  });

  it('1: validation error', async () => {
    const result = await runBuilder(ws, []);
    expect(result.code).toBe(1);
  });

  it('0: droplet staged', async () => {
    ws.installBuildpack('always-detects');
    expect((await ws.stage(['always-detects'])).code).toBe(0);
  });
});
