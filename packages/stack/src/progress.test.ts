import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { CUSTOMIZE_STEPS, MmdebstrapProgress, packageActivity, type ProgressEvent } from './progress.ts';
import { readSources } from './sources.ts';

// Shortened mmdebstrap --verbose output of a real minimal build.
const OUTPUT = `I: chroot architecture amd64 is equal to the host's architecture
I: running apt-get update...
Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]
I: downloading packages with apt...
0 upgraded, 2 newly installed, 0 to remove and 0 not upgraded.
Get:1 http://deb.debian.org/debian bookworm/main amd64 gcc-12-base amd64 12.2.0-14+deb12u1 [37.6 kB]
Get:2 http://deb.debian.org/debian bookworm/main amd64 libc6 amd64 2.36-9+deb12u14 [2758 kB]
I: extracting archives...
I: installing essential packages...
Unpacking gcc-12-base:amd64 (12.2.0-14+deb12u1) ...
Unpacking libc6:amd64 (2.36-9+deb12u14) ...
Setting up gcc-12-base:amd64 (12.2.0-14+deb12u1) ...
Setting up libc6:amd64 (2.36-9+deb12u14) ...
I: installing remaining packages inside the chroot...
0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.
Get:1 http://deb.debian.org/debian bookworm/main amd64 bash amd64 5.2.15-2+b2 [1491 kB]
Unpacking bash (5.2.15-2+b2) ...
Setting up bash (5.2.15-2+b2) ...
I: running --customize-hook in shell: sh -c '/repo/rootfs/customize.sh "$1" minimal cflinuxfs2' exec /x
cf-stack: generating 2 locales
Generating locales (this might take a while)...
  en_US.UTF-8... done
  de_DE.UTF-8... done
Generation complete.
cf-stack: setting the timezone to UTC
cf-stack: creating the vcap user (2000:2000)
cf-stack: writing neutral /etc/resolv.conf, /etc/hostname and /etc/hosts
cf-stack: removing documentation, apt lists and caches
cf-stack: writing /etc/cf-stack/version.json
cf-stack: done
I: cleaning package lists and apt cache...
E: something went wrong
I: success in 23.0 seconds`;

describe('build progress from mmdebstrap --verbose', () => {
  const events: ProgressEvent[] = [];
  const progress = new MmdebstrapProgress((phase, message, percent) => events.push(percent === undefined ? { phase, message } : { phase, message, percent }));
  for (const line of OUTPUT.split('\n')) progress.line(line);

  it('reports the phases in order', () => {
    const phases = events.map((event) => event.phase).filter((phase, i, all) => phase !== all[i - 1]);
    expect(phases).toEqual(['update', 'download', 'extract', 'essential', 'install', 'customize', 'cleanup']);
  });

  it('percent never goes back and ends where mmdebstrap ends', () => {
    const percents = events.map((event) => event.percent ?? 0);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(58);
  });

  it('counts packages within a phase: apt\'s "N newly installed" is the total', () => {
    const essential = events.filter((event) => event.phase === 'essential').map((event) => event.percent);
    // two packages, unpacked then set up: four steps from 14% to 28%
    expect(essential).toEqual([14, 17.5, 21, 24.5, 28]);
    expect(events.find((event) => event.message === 'setting up bash')?.percent).toBe(50);
  });

  it("shows customize.sh's steps and keeps E: lines for the error message", () => {
    const customize = events.filter((event) => event.phase === 'customize').map((event) => [event.message, event.percent]);
    // six steps from 50% to 56%; the locales fill the first step
    expect(customize.slice(1, 5)).toEqual([
      ['generating 2 locales', 50],
      ['generated the en_US.UTF-8 locale', 50.5],
      ['generated the de_DE.UTF-8 locale', 51],
      ['setting the timezone to UTC', 51],
    ]);
    expect(customize.at(-1)).toEqual(['done', 56]);
    expect(progress.errors).toEqual(['something went wrong']);
  });

  it('names the package apt downloads, dpkg unpacks and sets up', () => {
    expect(packageActivity('Get:12 http://deb.debian.org/debian bookworm/main amd64 bash amd64 5.2.15-2+b2 [1491 kB]')).toBe('downloading bash');
    expect(packageActivity('Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]')).toBeUndefined();
    expect(packageActivity('Unpacking libc6:amd64 (2.36-9+deb12u14) ...')).toBe('unpacking libc6');
    expect(packageActivity('Setting up bash (5.2.15-2+b2) ...')).toBe('setting up bash');
  });

  it('knows how many steps rootfs/customize.sh has', () => {
    const script = fs.readFileSync(readSources().customizeScript, 'utf8');
    expect(script.match(/^\s*step "/gm)?.length).toBe(CUSTOMIZE_STEPS + 1);
  });
});
