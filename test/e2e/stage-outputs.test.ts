// `droplet stage` outputs as one set, `-o` checked before staging, who runs the lifecycle with --host,
// and buildpack URL credentials kept out of the CLI's log lines.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_BUILDPACKS, LIFECYCLE } from '../helpers/stage.ts';
import { expectNothingLeft, stageScratch, writeApp, writeBuildpack, type StageScratch } from '../hardening/stage-helpers.ts';

let s: StageScratch;
let app: string;

beforeAll(() => {
  s = stageScratch('stage-outputs');
  app = writeApp(path.join(s.dir, 'apps', 'web'));
});

afterAll(() => s.cleanup());

const bp = (name: string) => path.join(FIXTURE_BUILDPACKS, name);
const SET = (droplet: string) => [droplet, `${droplet}.metadata.json`, `${droplet}.result.json`, `${droplet}.result.json.staging-id`];
const digest = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('-o is checked before anything is staged', () => {
  it('-o / is a directory: one line, exit 1, no staging', async () => {
    const r = await s.cli(['stage', app, '-b', bp('always-detects'), '--host', '-o', '/']);

    expect(r.stderr).toBe("droplet: -o /: is a directory; give the droplet's file name, such as -o /web.droplet\n");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  it('a directory that does not exist', async () => {
    const r = await s.cli(['stage', app, '-b', bp('always-detects'), '-o', path.join(s.dir, 'no', 'such', 'web.droplet')]);

    const dir = path.join(s.dir, 'no', 'such');
    expect(r.stderr).toBe(`droplet: -o ${path.join(dir, 'web.droplet')}: cannot write the droplet in ${dir}: no such directory\n`);
    expect(r.code).toBe(1);
  });

  it('a read-only directory (even for root)', async () => {
    const ro = path.join(s.dir, 'read-only');
    fs.mkdirSync(ro);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro]);
    try {
      const r = await s.cli(['stage', app, '-b', bp('always-detects'), '-o', path.join(ro, 'web.droplet')]);

      expect(r.stderr).toBe(`droplet: -o ${path.join(ro, 'web.droplet')}: cannot write the droplet in ${ro}: read-only file system\n`);
      expect(r.code).toBe(1);
    } finally {
      execFileSync('umount', [ro]);
    }
  });

  it('a name of the set that is a directory or a device', async () => {
    const dir = path.join(s.dir, 'taken');
    fs.mkdirSync(path.join(dir, 'web.droplet.metadata.json'), { recursive: true });
    const r = await s.cli(['stage', app, '-b', bp('always-detects'), '-o', path.join(dir, 'web.droplet')]);
    const dev = await s.cli(['stage', app, '-b', bp('always-detects'), '-o', '/dev/null']);

    const taken = path.join(dir, 'web.droplet.metadata.json');
    expect(r.stderr).toBe(`droplet: -o ${path.join(dir, 'web.droplet')}: ${taken} is a directory; choose another droplet name\n`);
    expect(r.code).toBe(1);
    expect(dev.stderr).toBe('droplet: -o /dev/null: /dev/null is a character device; choose another droplet name\n');
    expect(dev.code).toBe(1);
    expect(fs.readdirSync(s.tmp)).toEqual([]);
  });
});

describe('the output set', () => {
  it('DROPLET, .metadata.json, .result.json and the staging-id sidecar are written together; no stale sidecar beside a new result.json', async () => {
    const out = path.join(s.dir, 'set');
    fs.mkdirSync(out);
    const droplet = path.join(out, 'web.droplet');
    fs.writeFileSync(`${droplet}.result.json.staging-id`, 'an-earlier-staging\n');

    const r = await s.cli(['stage', app, '-b', bp('always-detects'), '-o', droplet]);

    expect(r.code).toBe(0);
    const metadata = JSON.parse(fs.readFileSync(`${droplet}.metadata.json`, 'utf8'));
    // A builder that writes the sidecar (with -outputStagingMetadata) gives the set its fourth file,
    // holding the metadata's staging id; one that writes none leaves none.
    if (metadata.stagingId !== undefined) {
      expect(fs.readFileSync(`${droplet}.result.json.staging-id`, 'utf8')).toBe(`${metadata.stagingId}\n`);
      expect(fs.readdirSync(out).sort()).toEqual(SET('web.droplet').sort());
    } else {
      expect(fs.existsSync(`${droplet}.result.json.staging-id`)).toBe(false);
      expect(fs.readdirSync(out).sort()).toEqual(SET('web.droplet').slice(0, 3).sort());
    }
    expect(metadata.droplet.sha256).toBe(digest(droplet));
    expect(JSON.parse(fs.readFileSync(`${droplet}.result.json`, 'utf8')).process_types).toEqual({ web: 'the start command' });
    expect(r.stderr).toContain(`==> droplet written to ${droplet}`);
    expectNothingLeft(s);
  }, 300_000);

  it("the builder's result.json sidecar is copied into the set as DROPLET.result.json.staging-id", async () => {
    // A lifecycle whose builder is the real one followed by writing the sidecar beside -outputMetadata,
    // as a builder with staging ids does, so the CLI's side is shown whatever builder this branch has.
    const lifecycle = path.join(s.dir, 'lifecycle-with-sidecar');
    fs.mkdirSync(lifecycle);
    fs.writeFileSync(
      path.join(lifecycle, 'builder'),
      [
        '#!/bin/sh',
        `${path.join(LIFECYCLE, 'builder')} "$@" || exit $?`,
        'for a; do case "$a" in -outputMetadata=*) f="${a#*=}";; esac; done',
        'echo 3b8e5c1e-sidecar-id > "$f.staging-id"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const out = path.join(s.dir, 'with-sidecar');
    fs.mkdirSync(out);
    const droplet = path.join(out, 'web.droplet');

    const r = await s.cli(['stage', app, '-b', bp('always-detects'), '--host', '-o', droplet], { CF_LIFECYCLE_DIR: lifecycle });

    expect(r.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(SET('web.droplet').sort());
    expect(fs.readFileSync(`${droplet}.result.json.staging-id`, 'utf8')).toBe('3b8e5c1e-sidecar-id\n');
    expect(r.stderr).toContain('(web.droplet.result.json, web.droplet.metadata.json, web.droplet.result.json.staging-id)');
    expectNothingLeft(s);
  }, 300_000);

  it('a failing staging leaves the previous set exactly as it was, and no temporary beside it', async () => {
    const out = path.join(s.dir, 'kept');
    fs.mkdirSync(out);
    const droplet = path.join(out, 'web.droplet');
    expect((await s.cli(['stage', app, '-b', bp('always-detects'), '--host', '-o', droplet])).code).toBe(0);
    const before = Object.fromEntries(fs.readdirSync(out).map((f) => [f, digest(path.join(out, f))]));

    const failed = await s.cli(['stage', app, '-b', bp('fails-to-compile'), '--host', '-o', droplet]);

    expect(failed.code).toBe(223);
    expect(Object.fromEntries(fs.readdirSync(out).map((f) => [f, digest(path.join(out, f))]))).toEqual(before);
    expectNothingLeft(s);
  }, 300_000);
});

describe('--host: who runs the lifecycle', () => {
  let whoami: string;
  beforeAll(() => {
    whoami = writeBuildpack(path.join(s.dir, 'buildpacks', 'whoami'), { compile: 'echo "-----> compile runs as uid $(id -u) gid $(id -g)"' });
  });

  it('as root: vcap (2000:2000) by default', async () => {
    const r = await s.cli(['stage', app, '-b', whoami, '--host', '-o', path.join(s.dir, 'vcap.droplet')]);

    expect(r.stderr).toContain('==> staging web with whoami on the host (no container, as vcap)');
    expect(r.stdout).toContain('-----> compile runs as uid 2000 gid 2000\n');
    expect(r.code).toBe(0);
    expectNothingLeft(s);
  }, 300_000);

  it('--host-user root: root, when asked for', async () => {
    const r = await s.cli(['stage', app, '-b', whoami, '--host', '--host-user', 'root', '-o', path.join(s.dir, 'root.droplet')]);

    expect(r.stderr).toContain('==> staging web with whoami on the host (no container, as root)');
    expect(r.stdout).toContain('-----> compile runs as uid 0 gid 0\n');
    expect(r.code).toBe(0);
  }, 300_000);

  it('--host-user: refused without --host, and for other users', async () => {
    const inContainer = await s.cli(['stage', app, '-b', whoami, '--host-user', 'root']);
    const other = await s.cli(['stage', app, '-b', whoami, '--host', '--host-user', 'nobody']);

    expect(inContainer.stderr).toBe('droplet: --host-user is for --host (in a container the lifecycle always runs as vcap)\n');
    expect(inContainer.code).toBe(1);
    expect(other.stderr).toBe('droplet: --host-user nobody: use vcap or root\n');
    expect(other.code).toBe(1);
  });

  it('a TMPDIR vcap cannot search: one line saying so, before any staging code runs', async () => {
    const hidden = path.join(s.dir, 'private-tmp');
    fs.mkdirSync(hidden, { mode: 0o700 });
    const r = await s.cli(['stage', app, '-b', whoami, '--host', '-o', path.join(s.dir, 'hidden.droplet')], { TMPDIR: hidden });

    expect(r.stderr).toMatch(
      new RegExp(
        `droplet: --host runs the lifecycle as vcap \\(2000:2000\\), who cannot reach the staging workspace ${hidden}/droplet-stage-\\w+/tmp: ` +
          'use a TMPDIR whose directories others may search, or pass --host-user root\\n$',
      ),
    );
    expect(r.stdout).not.toContain('compile runs');
    expect(r.code).toBe(1);
    expect(fs.readdirSync(hidden)).toEqual([]);
  }, 300_000);
});

describe('buildpack URLs with credentials', () => {
  it("the CLI's own log lines show them redacted", async () => {
    const url = 'https://deploy:TOKEN-IN-URL-81f3@127.0.0.1:9/private/bp.zip';
    const r = await s.cli(['stage', app, '-b', url, '--host', '-o', path.join(s.dir, 'url.droplet')]);

    const ours = r.stderr.split('\n').filter((l) => l.startsWith('==> ') || l.startsWith('droplet: '));
    expect(ours).toContain('==> staging web with https://***@127.0.0.1:9/private/bp.zip on the host (no container, as vcap)');
    expect(ours.join('\n')).not.toContain('TOKEN-IN-URL');
    expect(r.code).not.toBe(0);
  }, 300_000);
});
