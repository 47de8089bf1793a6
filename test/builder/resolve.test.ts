// CONTRACT §2.4: buildpack keys and the directories they resolve to (primary xxhash64 dir, legacy md5
// dir, one level of nesting, quirk Q34 `bin` as a file, decided fix Q13 for the listing error).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURE_BUILDPACKS, Workspace, copyDir, md5Hex, xxhash64Hex } from '../helpers/stage.ts';
import { precreateResult } from '../helpers/records.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  precreateResult(ws);
});
afterEach(() => ws.cleanup());

const primary = (key: string) => path.join(ws.buildpacksDir, xxhash64Hex(key));
const legacy = (key: string) => path.join(ws.buildpacksDir, md5Hex(key));
/** Copies a fixture buildpack to an arbitrary path below the buildpacks dir. */
const place = (fixture: string, dest: string) => copyDir(path.join(FIXTURE_BUILDPACKS, fixture), dest);
const detected = () => (ws.result() as { lifecycle_metadata: { detected_buildpack: string } }).lifecycle_metadata.detected_buildpack;
const NONE = 'None of the buildpacks detected a compatible application\n';

describe('CONTRACT §2.4 buildpack names and directories', () => {
  it('the directory name is the 16-digit lowercase xxHash64 of the key (contract test vectors)', () => {
    expect(xxhash64Hex('always-detects')).toBe('57efcd3f67a2d921');
    expect(xxhash64Hex('my-buildpack/key/::')).toBe('dc91f5556d3ae859');
    expect(xxhash64Hex('a1b4aa82-e5ae-4736-8284-bdfb013a7121_2845c523cf4f4f1045b331982cc557ef761afde4dc9fc8777831563461309455')).toBe('00c84a1da9e0c81e');
    expect(md5Hex('nested-buildpack')).toBe('70d137ae4ee01fbe39058ccdebf48460');
  });

  describe('resolution of a key to a buildpack root, first match wins', () => {
    it('1. the primary directory <buildpacksDir>/<xxhash64(key)> when it has bin/', async () => {
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['always-detects']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(ws.result()).toMatchObject({ lifecycle_metadata: { buildpack_key: 'always-detects', detected_buildpack: 'Always Matching' } });
    });

    it('1. a key whose hash has leading zeros keeps them in the directory name', async () => {
      const key = 'a1b4aa82-e5ae-4736-8284-bdfb013a7121_2845c523cf4f4f1045b331982cc557ef761afde4dc9fc8777831563461309455';
      place('always-detects', path.join(ws.buildpacksDir, '00c84a1da9e0c81e'));
      const result = await ws.stage([key]);
      expect(result.code).toBe(0);
      expect(detected()).toBe('Always Matching');
    });

    it('1. a key with slashes and colons that is not a URL stays in -buildpacksDir', async () => {
      place('always-detects', path.join(ws.buildpacksDir, 'dc91f5556d3ae859'));
      const result = await ws.stage(['my-buildpack/key/::']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(ws.result()).toMatchObject({ lifecycle_metadata: { buildpack_key: 'my-buildpack/key/::' } });
    });

    it('2. the legacy directory <buildpacksDir>/<md5(key)> when the primary has no bin/', async () => {
      ws.installBuildpack('always-detects', 'always-detects', 'md5');
      const result = await ws.stage(['always-detects']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(detected()).toBe('Always Matching');
    });

    it('1 before 2: the primary directory wins over the legacy one', async () => {
      ws.installBuildpack('always-detects', 'the-key');
      ws.installBuildpack('also-always-detects', 'the-key', 'md5');
      const result = await ws.stage(['the-key']);
      expect(result.code).toBe(0);
      expect(detected()).toBe('Always Matching');
    });

    it('2 before 4: a legacy directory with bin/ wins over a single nested dir in the primary', async () => {
      ws.installBuildpack('also-always-detects', 'the-key', 'nested');
      ws.installBuildpack('always-detects', 'the-key', 'md5');
      const result = await ws.stage(['the-key']);
      expect(result.code).toBe(0);
      expect(detected()).toBe('Always Matching');
    });

    it('4. a primary directory holding exactly one directory with bin/ (a zip with a top-level folder)', async () => {
      const root = ws.installBuildpack('always-detects', 'always-detects', 'nested');
      expect(path.dirname(root)).toBe(primary('always-detects'));
      const result = await ws.stage(['always-detects']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(detected()).toBe('Always Matching');
    });

    it('4. the nested root is where the scripts run from (bin/detect of the nested dir)', async () => {
      const root = ws.installBuildpack('always-detects', 'always-detects', 'nested');
      fs.rmSync(path.join(root, 'bin', 'detect'));
      const result = await ws.stage(['always-detects']);
      expect(result.stderr).toBe(`stat ${root}/bin/detect: no such file or directory\n${NONE}`);
      expect(result.code).toBe(222);
    });

    it('3+4. an empty primary directory: the legacy directory is listed instead', async () => {
      fs.mkdirSync(primary('the-key'));
      place('always-detects', path.join(legacy('the-key'), 'inner'));
      const result = await ws.stage(['the-key']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(detected()).toBe('Always Matching');
    });

    it('3+4. a primary path that cannot be listed (a plain file): the legacy directory is listed instead', async () => {
      fs.writeFileSync(primary('the-key'), 'not a directory\n');
      place('always-detects', path.join(legacy('the-key'), 'inner'));
      const result = await ws.stage(['the-key']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(detected()).toBe('Always Matching');
    });

    it('3. a primary directory with entries is listed even when the legacy one has a single nested buildpack', async () => {
      fs.mkdirSync(primary('the-key'));
      fs.writeFileSync(path.join(primary('the-key'), 'a'), '');
      fs.writeFileSync(path.join(primary('the-key'), 'b'), '');
      place('always-detects', path.join(legacy('the-key'), 'inner'));
      const result = await ws.stage(['the-key']);
      expect(result.stderr).toBe(`malformed buildpack does not contain a /bin dir: the-key\n${NONE}`);
      expect(result.code).toBe(222);
    });
  });

  describe('Q34: a plain file named bin counts as a bin directory', () => {
    it('detect mode: resolution succeeds, then stat of bin/detect fails and the next key is tried', async () => {
      const root = ws.installBuildpack('bin-is-a-file');
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['bin-is-a-file', 'always-detects']);
      expect(result.stderr).toBe(`stat ${root}/bin/detect: not a directory\n`);
      expect(result.code).toBe(0);
      expect(detected()).toBe('Always Matching');
    });

    it('as the final buildpack in skip-detect mode it resolves and then cannot compile (223)', async () => {
      ws.installBuildpack('bin-is-a-file');
      const result = await ws.stage(['bin-is-a-file'], { skipDetect: true });
      expect(result.code).toBe(223);
      expect(result.stderr.startsWith('Failed to compile droplet: Failed to compile droplet: ')).toBe(true);
      expect(result.stderr).not.toContain('malformed buildpack');
    });

    it('a nested single directory whose bin is a file is the root', async () => {
      const root = path.join(primary('the-key'), 'inner');
      place('bin-is-a-file', root);
      const result = await ws.stage(['the-key']);
      expect(result.stderr).toBe(`stat ${root}/bin/detect: not a directory\n${NONE}`);
      expect(result.code).toBe(222);
    });
  });

  describe('5. malformed buildpack does not contain a /bin dir: <key>', () => {
    const malformed = (key: string) => `malformed buildpack does not contain a /bin dir: ${key}\n`;

    it('a primary directory with several entries and no bin', async () => {
      ws.installBuildpack('has-no-bin-dir');
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['has-no-bin-dir', 'always-detects']);
      expect(result.stderr).toBe(malformed('has-no-bin-dir'));
      expect(result.code).toBe(0);
      expect(detected()).toBe('Always Matching');
    });

    it('a single nested directory without bin', async () => {
      ws.installBuildpack('has-no-bin-dir', 'has-no-bin-dir', 'nested');
      const result = await ws.stage(['has-no-bin-dir']);
      expect(result.stderr).toBe(malformed('has-no-bin-dir') + NONE);
      expect(result.code).toBe(222);
    });

    it('only one level of nesting is looked at', async () => {
      place('always-detects', path.join(primary('the-key'), 'outer', 'inner'));
      const result = await ws.stage(['the-key']);
      expect(result.stderr).toBe(malformed('the-key') + NONE);
      expect(result.code).toBe(222);
    });

    it('two nested directories, even if both have bin/', async () => {
      place('always-detects', path.join(primary('the-key'), 'one'));
      place('also-always-detects', path.join(primary('the-key'), 'two'));
      const result = await ws.stage(['the-key']);
      expect(result.stderr).toBe(malformed('the-key') + NONE);
      expect(result.code).toBe(222);
    });

    it('a single entry that is a file', async () => {
      fs.mkdirSync(primary('the-key'));
      fs.writeFileSync(path.join(primary('the-key'), 'buildpack.zip'), 'PK');
      const result = await ws.stage(['the-key']);
      expect(result.stderr).toBe(malformed('the-key') + NONE);
      expect(result.code).toBe(222);
    });

    it('an empty primary and an empty legacy directory', async () => {
      fs.mkdirSync(primary('the-key'));
      fs.mkdirSync(legacy('the-key'));
      const result = await ws.stage(['the-key']);
      expect(result.stderr).toBe(malformed('the-key') + NONE);
      expect(result.code).toBe(222);
    });
  });

  describe('listing failure: Failed to read buildpack directory (decided fix Q13: names the directory that failed and the key)', () => {
    const unreadable = (dir: string, key: string) => `Failed to read buildpack directory '${dir}' for buildpack '${key}'\n`;

    it('a key that is not installed at all: the legacy listing fails', async () => {
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['not-installed', 'always-detects']);
      expect(result.stderr).toBe(unreadable(legacy('not-installed'), 'not-installed'));
      expect(result.code).toBe(0);
      expect(detected()).toBe('Always Matching');
    });

    it('an empty primary directory and no legacy directory', async () => {
      fs.mkdirSync(primary('the-key'));
      const result = await ws.stage(['the-key']);
      expect(result.stderr).toBe(unreadable(legacy('the-key'), 'the-key') + NONE);
      expect(result.code).toBe(222);
    });

    it('an empty element of the order is a key "" and is resolved like any other', async () => {
      ws.installBuildpack('always-fails');
      const result = await ws.stage(['always-fails', '']);
      expect(legacy('')).toBe(path.join(ws.buildpacksDir, 'd41d8cd98f00b204e9800998ecf8427e'));
      expect(result.stderr).toBe(unreadable(legacy(''), '') + NONE);
      expect(result.code).toBe(222);
    });

    it('an empty element of the order before a good key', async () => {
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['', 'always-detects']);
      expect(result.stderr).toBe(unreadable(legacy(''), ''));
      expect(result.code).toBe(0);
      expect(ws.result()).toMatchObject({ lifecycle_metadata: { buildpack_key: 'always-detects', buildpacks: [{ key: 'always-detects' }] } });
    });
  });
});
