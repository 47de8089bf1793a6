// docker/: the Dockerfiles build the same stack from the same package list (one source of truth).
// There is no Docker engine here, so the test reads the Dockerfiles and runs the package listing
// command they run, against the files they copy.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROFILES, profilePackages, readSources } from '@cf-lifecycle/stack';

const root = path.resolve(import.meta.dirname, '..', '..');
const sources = readSources();
const stackDockerfile = fs.readFileSync(path.join(root, 'docker', 'Dockerfile.stack'), 'utf8');
const lifecycleDockerfile = fs.readFileSync(path.join(root, 'docker', 'Dockerfile.lifecycle'), 'utf8');

/** Instructions with line continuations joined and comments dropped. */
function instructions(dockerfile: string): string[] {
  return dockerfile
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

describe('docker/Dockerfile.stack', () => {
  const lines = instructions(stackDockerfile);
  const copy = lines.find((line) => line.startsWith('COPY rootfs/ '));
  const copiedTo = copy?.split(/\s+/)[2]?.replace(/\/$/, '') ?? '';

  it('starts from debian:<the package list suite> and defaults to the minimal profile', () => {
    expect(lines).toContain(`ARG SUITE=${sources.list.suite}`);
    expect(lines).toContain('FROM debian:${SUITE}');
    expect(lines).toContain('ARG PROFILE=minimal');
    expect(copiedTo).not.toBe('');
  });

  it.each(PROFILES)('installs exactly the %s profile of rootfs/packages.list, without recommends', (profile) => {
    const run = lines.find((line) => line.startsWith('RUN ') && line.includes('list-packages.sh')) ?? '';
    const listing = /packages="\$\(([^)]*)\)"/.exec(run)?.[1];
    expect(listing).toBeDefined();
    // The command the image build runs, pointed at the files it copies (COPY rootfs/ <dir>/).
    const command = (listing ?? '').split(`${copiedTo}/`).join(`${sources.dir}/`);
    const packages = execFileSync('sh', ['-c', command], { encoding: 'utf8', env: { ...process.env, PROFILE: profile } })
      .trim()
      .split('\n');
    expect(packages).toEqual(profilePackages(sources.list, profile));
    expect(run).toContain('apt-get install -y --no-install-recommends $packages');
  });

  it('customizes with the same script as the mmdebstrap build, after the dpkg filters', () => {
    const run = lines.find((line) => line.startsWith('RUN ') && line.includes('customize.sh')) ?? '';
    expect(run).toContain(`cp ${copiedTo}/dpkg-excludes.cfg /etc/dpkg/dpkg.cfg.d/cf-stack-excludes`);
    expect(run).toContain(`${copiedTo}/customize.sh / "$PROFILE" "$STACK_NAME"`);
    expect(run.indexOf('dpkg-excludes.cfg')).toBeLessThan(run.indexOf('apt-get install'));
  });

  it('list-packages.sh reads the settings the TypeScript build reads', () => {
    const get = (key: string) => execFileSync(sources.listScript, ['--get', key], { encoding: 'utf8' }).trim();
    expect(get('version')).toBe(sources.list.version);
    expect(get('suite')).toBe(sources.list.suite);
  });

  it('its build context is rootfs/ only', () => {
    expect(fs.readFileSync(path.join(root, 'docker', 'Dockerfile.stack.dockerignore'), 'utf8')).toMatch(/^\*\n!rootfs\/\n$/m);
  });
});

describe('docker/Dockerfile.lifecycle', () => {
  const lines = instructions(lifecycleDockerfile);

  it('starts from the stack image and puts the lifecycle bundle in /tmp/lifecycle', () => {
    expect(lines).toContain('FROM ${STACK_IMAGE}');
    expect(lines.some((line) => /^ARG STACK_IMAGE=cflinuxfs2:minimal$/.test(line))).toBe(true);
    expect(lines).toContain('ADD dist/lifecycle.tgz /tmp/lifecycle/');
    expect(lines).toContain('USER vcap');
  });
});
