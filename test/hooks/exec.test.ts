// Exec hooks through the built builder (-hooksDir): every hook point, both policies, and the ways a
// hook can fail. A required failure exits 227/228 with one line naming the hook and leaves no droplet.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILDER_HAS_HOOKS, HooksWorkspace, lastLine, writeHook, writeText } from './helpers.ts';

let ws: HooksWorkspace;
let hooksDir: string;
beforeEach(() => {
  ws = new HooksWorkspace();
  hooksDir = ws.file('hooks');
  fs.mkdirSync(hooksDir);
});
afterEach(() => ws.cleanup());

const compiled = () => fs.existsSync(`${ws.buildDir}/compiled-by-always-detects`);

function expectNoOutputs(): void {
  expect(fs.existsSync(ws.outputDroplet)).toBe(false);
  expect(ws.leftovers()).toEqual([]);
}

describe.skipIf(!BUILDER_HAS_HOOKS)('exec hooks through the builder', () => {
  describe('hook points', () => {
    it('each phase gets its event, at its moment, and every run is recorded in the staging metadata', async () => {
      const seen = ws.file('seen');
      for (const phase of ['pre-detect', 'post-build', 'post-package']) {
        // Each hook saves its event and what exists at its moment.
        writeHook(
          hooksDir,
          phase,
          `record-${phase}`,
          [
            `cat > ${seen}/${phase}.json`,
            `[ -e compiled-by-always-detects ] && echo compiled > ${seen}/${phase}.compiled`,
            `sed -n 's/.*"sbom":"\\([^"]*\\)".*/\\1/p' ${seen}/${phase}.json | xargs -r cat > ${seen}/${phase}.sbom`,
            `sed -n 's/.*"droplet":"\\([^"]*\\)".*/\\1/p' ${seen}/${phase}.json | xargs -r tar -tzf > ${seen}/${phase}.droplet-listing`,
            `echo '{"decision":"allow","findings":[{"id":"${phase}-ran","severity":"info"}]}'`,
          ].join('\n'),
        );
      }
      fs.mkdirSync(seen);
      const r = await ws.stageWithHooks({ hooksDir });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);

      const event = (phase: string) => JSON.parse(fs.readFileSync(`${seen}/${phase}.json`, 'utf8'));
      const pre = event('pre-detect');
      expect(pre).toMatchObject({
        schemaVersion: 1,
        phase: 'pre-detect',
        app: { buildDir: ws.buildDir },
        paths: { buildDir: ws.buildDir },
        hook: { name: 'record-pre-detect', kind: 'exec', policy: 'required' },
      });
      expect(typeof pre.stack.name).toBe('string');
      expect(fs.existsSync(`${seen}/pre-detect.compiled`)).toBe(false);

      const post = event('post-build');
      expect(post.phase).toBe('post-build');
      expect(post.buildpacks).toEqual([expect.objectContaining({ key: 'always-detects' })]);
      expect(post.processTypes).toEqual({ web: 'the start command' });
      expect(typeof post.paths.depsDir).toBe('string');
      expect(fs.existsSync(`${seen}/post-build.compiled`)).toBe(true);
      expect(JSON.parse(fs.readFileSync(`${seen}/post-build.sbom`, 'utf8'))).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5' });

      const pkg = event('post-package');
      expect(pkg.paths).toMatchObject({ droplet: expect.any(String), stagingMetadata: expect.any(String), sbom: expect.any(String) });
      expect(fs.readFileSync(`${seen}/post-package.droplet-listing`, 'utf8')).toContain('./app/compiled-by-always-detects');

      expect(ws.hookRecords()).toEqual(
        ['pre-detect', 'post-build', 'post-package'].map((phase) => ({
          name: `record-${phase}`,
          phase,
          kind: 'exec',
          policy: 'required',
          durationMs: expect.any(Number),
          outcome: 'allow',
          findings: [{ id: `${phase}-ran`, severity: 'info' }],
        })),
      );
      // The staging log shows them.
      expect(r.stdout).toContain('-----> Running hook record-post-build (post-build, exec, required)');
      expect(r.stdout).toContain('[info] post-build-ran');
    });

    it("passes a hook's stderr through with its name in front", async () => {
      writeHook(hooksDir, 'post-build', 'talks', 'echo "checking 3 files" >&2');
      const r = await ws.stageWithHooks({ hooksDir });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('[talks] checking 3 files\n');
    });
  });

  describe('required (the default for -hooksDir)', () => {
    it('a pre-detect deny stops staging before any buildpack runs: exit 227', async () => {
      writeHook(hooksDir, 'pre-detect', 'gatekeeper', `echo '{"decision":"deny","message":"apps of this org are frozen"}'`);
      const r = await ws.stageWithHooks({ hooksDir });
      expect(r.code).toBe(227);
      expect(lastLine(r.stderr)).toBe("Staging denied by hook 'gatekeeper' (pre-detect): apps of this org are frozen");
      expect(compiled()).toBe(false);
      expectNoOutputs();
    });

    it('a post-build deny leaves no droplet: exit 227', async () => {
      writeHook(hooksDir, 'post-build', 'license-check', `echo '{"decision":"deny","message":"GPL-3.0 is not allowed","findings":[{"id":"gpl"}]}'`);
      const r = await ws.stageWithHooks({ hooksDir });
      expect(r.code).toBe(227);
      expect(lastLine(r.stderr)).toBe("Staging denied by hook 'license-check' (post-build): GPL-3.0 is not allowed");
      expect(compiled()).toBe(true);
      expectNoOutputs();
    });

    it('a post-package deny removes the droplet it was shown: exit 227', async () => {
      const copy = ws.file('droplet-seen');
      writeHook(
        hooksDir,
        'post-package',
        'final-word',
        `sed -n 's/.*"droplet":"\\([^"]*\\)".*/\\1/p' | xargs -I{} cp {} ${copy}; echo '{"decision":"deny","message":"too big"}'`,
      );
      const r = await ws.stageWithHooks({ hooksDir });
      expect(r.code).toBe(227);
      expect(lastLine(r.stderr)).toBe("Staging denied by hook 'final-word' (post-package): too big");
      expect(fs.statSync(copy).size).toBeGreaterThan(0);
      expectNoOutputs();
    });

    it.each([
      ['a timeout', 'sleep 60', "Hook 'slow' (post-build) failed: timed out after 1s"],
      ['a crash', 'kill -SEGV $$', "Hook 'slow' (post-build) failed: killed by signal SIGSEGV"],
      ['an error', 'exit 4', "Hook 'slow' (post-build) failed: exit status 4"],
      ['a malformed answer', 'echo "not json"', /^Hook 'slow' \(post-build\) failed: malformed answer: answer is not JSON/],
    ])('%s fails staging with exit 228', async (_what, body, message) => {
      writeHook(hooksDir, 'post-build', 'slow', body);
      // -hooksDir hooks take their timeout from the config file.
      const config = writeText(ws.file('hooks.yml'), 'hooks:\n  - { name: slow, kind: exec, phase: post-build, timeout: 1s }\n');
      const started = Date.now();
      const r = await ws.stageWithHooks({ hooksDir, hooksConfig: config });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(r.code).toBe(228);
      if (typeof message === 'string') expect(lastLine(r.stderr)).toBe(message);
      else expect(lastLine(r.stderr)).toMatch(message);
      expectNoOutputs();
    });

    it('a timed-out hook leaves no process behind', async () => {
      const pidFile = ws.file('pid');
      writeHook(hooksDir, 'post-build', 'hangs', `sleep 300 & echo $! > ${pidFile}; wait`);
      const config = writeText(ws.file('hooks.yml'), 'hooks:\n  - { name: hangs, kind: exec, phase: post-build, timeout: 500ms }\n');
      const r = await ws.stageWithHooks({ hooksDir, hooksConfig: config });
      expect(r.code).toBe(228);
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      // Gone, or a zombie waiting for whichever process adopted it to reap it: either way not running.
      const running = () => {
        try {
          return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0] !== 'Z';
        } catch {
          return false;
        }
      };
      let alive = true;
      for (let i = 0; i < 100 && alive; i++) {
        alive = running();
        if (alive) await new Promise((res) => setTimeout(res, 50));
      }
      expect(alive).toBe(false);
    });
  });

  describe('advisory', () => {
    it('deny, timeout, crash and malformed answers are recorded and staging goes on', async () => {
      writeHook(
        hooksDir,
        'post-build',
        'a-denies',
        `echo '{"decision":"deny","message":"consider upgrading","findings":[{"id":"old","severity":"low","summary":"old runtime"}]}'`,
      );
      writeHook(hooksDir, 'post-build', 'b-times-out', 'sleep 60');
      writeHook(hooksDir, 'post-build', 'c-crashes', 'kill -KILL $$');
      writeHook(hooksDir, 'post-build', 'd-malformed', 'echo "{"');
      writeHook(hooksDir, 'post-build', 'e-allows', 'exit 0');
      const config = writeText(
        ws.file('hooks.yml'),
        ['a-denies', 'b-times-out', 'c-crashes', 'd-malformed']
          .map((n) => `  - { name: ${n}, kind: exec, phase: post-build, policy: advisory, timeout: 1s }`)
          .join('\n')
          .replace(/^/, 'hooks:\n'),
      );
      const r = await ws.stageWithHooks({ hooksDir, hooksConfig: config });
      expect(r.code).toBe(0);
      expect(ws.dropletListing()).toContain('./app/compiled-by-always-detects');
      expect(ws.hookRecords().map((h) => [h.name, h.policy, h.outcome])).toEqual([
        ['a-denies', 'advisory', 'deny'],
        ['b-times-out', 'advisory', 'timeout'],
        ['c-crashes', 'advisory', 'error'],
        ['d-malformed', 'advisory', 'malformed'],
        ['e-allows', 'required', 'allow'],
      ]);
      expect(ws.hookRecords()[0]).toMatchObject({ message: 'consider upgrading', findings: [{ id: 'old', severity: 'low', summary: 'old runtime' }] });
      expect(r.stderr).toContain("Advisory hook 'a-denies' (post-build) denied: consider upgrading; staging goes on");
      expect(r.stderr).toContain("Advisory hook 'b-times-out' (post-build) failed: timed out after 1s; staging goes on");
    });
  });

  describe('bad setups fail before staging (exit 1)', () => {
    it('a missing hooks directory', async () => {
      const r = await ws.stageWithHooks({ hooksDir: ws.file('nowhere') });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`Invalid hooks directory ${ws.file('nowhere')}: no such file or directory\n`);
      expect(compiled()).toBe(false);
      expectNoOutputs();
    });

    it('a hook that is not executable', async () => {
      writeText(`${hooksDir}/post-build/scan`, '#!/bin/sh\n');
      const r = await ws.stageWithHooks({ hooksDir });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`Invalid hook ${hooksDir}/post-build/scan: not executable\n`);
      expect(compiled()).toBe(false);
    });

    it('a config file with an unknown key', async () => {
      const config = writeText(ws.file('hooks.yml'), 'hooks:\n  - { name: sbom, kind: builtin, phase: post-build, polcy: advisory }\n');
      const r = await ws.stageWithHooks({ hooksConfig: config });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`Invalid hooks config ${config}: hook 'sbom': unknown key 'polcy'\n`);
      expect(compiled()).toBe(false);
    });
  });
});
