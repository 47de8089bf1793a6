// An interrupted build leaves nothing half-made and nothing mounted (rootfs/README.md, "Building").
// Really starts mmdebstrap in a fresh cache and aborts it while packages are being installed, when
// /proc, /sys, /dev/pts and /dev/shm are mounted inside the chroot.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StackError, ensureStack, type ProgressEvent } from '@cf-lifecycle/stack';

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-interrupt-'));
afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${dir}/`));
}

describe('interrupting a build', () => {
  it(
    'stops mmdebstrap, unmounts, removes the work directory and rejects with a StackError',
    async () => {
      const controller = new AbortController();
      const events: ProgressEvent[] = [];
      let mountedWhenAborted: string[] = [];
      const building = ensureStack({
        cacheDir,
        signal: controller.signal,
        onProgress: (event) => {
          events.push(event);
          if (event.phase === 'essential' && !controller.signal.aborted && event.message.startsWith('setting up')) {
            mountedWhenAborted = mountsUnder(cacheDir);
            controller.abort();
          }
        },
      });

      await expect(building).rejects.toThrow(StackError);
      await expect(building).rejects.toThrow(/^building the cflinuxfs2 stack \(minimal\) was interrupted$/);
      // The abort happened while the chroot had its mounts: the test exercised the cleanup.
      expect(mountedWhenAborted.length).toBeGreaterThan(0);
      expect(mountsUnder(cacheDir)).toEqual([]);
      expect(fs.readdirSync(path.join(cacheDir, 'stacks'))).toEqual([]);

      // Progress came in phase order with a percent that never went back.
      const phases = events.map((event) => event.phase).filter((phase, i, all) => phase !== 'tools' && phase !== all[i - 1]);
      expect(phases.slice(0, 5)).toEqual(['setup', 'update', 'download', 'extract', 'essential']);
      const percents = events.flatMap((event) => (event.percent === undefined ? [] : [event.percent]));
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
    },
    5 * 60_000,
  );
});
