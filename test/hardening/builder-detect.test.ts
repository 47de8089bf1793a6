// Nothing a bin/detect starts outlives it (docs/security.md, "Faults"): once detect exits, its process
// group is ended, whether it passed or failed, and whether its child holds the captured stdout or not.
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/stage.ts';
import { PLAIN, processesWith, scriptBuildpack } from './builder-helpers.ts';

let ws: Workspace;
afterEach(() => ws.cleanup());

describe('a detect that leaves a process behind', () => {
  it.each([
    ['detaches its child from the captured stdout', 'sleep 987.601 >/dev/null 2>&1 &', '987.601'],
    ['leaves its child holding the captured stdout (staging used to wait for it)', 'sleep 987.602 &', '987.602'],
  ])('passes and %s: the child is gone when staging ends', async (_what, background, marker) => {
    ws = new Workspace();
    scriptBuildpack(ws, 'leaves-a-sleep', { ...PLAIN, detect: `${background}\necho Leaves A Sleep` });

    const started = Date.now();
    const r = await ws.stage(['leaves-a-sleep']);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((ws.result() as { lifecycle_metadata: { detected_buildpack: string } }).lifecycle_metadata.detected_buildpack).toBe('Leaves A Sleep');
    expect(processesWith(marker)).toEqual([]);
  });

  it('fails (the next buildpack is tried): its child is gone too', async () => {
    ws = new Workspace();
    scriptBuildpack(ws, 'fails-and-leaves', { detect: 'sleep 987.603 >/dev/null 2>&1 &\nexit 1' });
    scriptBuildpack(ws, 'plain', PLAIN);

    const r = await ws.stage(['fails-and-leaves', 'plain']);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(processesWith('987.603')).toEqual([]);
  });
});
