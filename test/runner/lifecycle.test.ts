// The built lifecycle bundle (dist/lifecycle, from `npm run build`) inside a container, the way Diego
// starts an instance: /tmp/lifecycle bind-mounted read-only, the droplet in /home/vcap, vcap, and
// `launcher app "<command>" '{}'`. The launcher execs into bash, so TERM from `cf stop` must reach the
// app's own handler through the init.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, tempDir, testRootfs, traces, watch } from './helpers.ts';

const LIFECYCLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/lifecycle');
const built = fs.existsSync(path.join(LIFECYCLE, 'launcher'));

let rootfs: string;
let home: string;

beforeAll(async () => {
  rootfs = await testRootfs();
  home = tempDir('droplet');
  fs.mkdirSync(path.join(home, 'app'));
  fs.writeFileSync(path.join(home, 'staging_info.yml'), '{"detected_buildpack":"","start_command":"echo from staging_info"}');
  for (const p of [home, path.join(home, 'app'), path.join(home, 'staging_info.yml')]) fs.chownSync(p, 2000, 2000);
}, 900_000);

afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function instance(command: string) {
  return {
    rootfs,
    args: ['/tmp/lifecycle/launcher', 'app', command, '{}'],
    env: { PORT: '8080', INSTANCE_INDEX: '0', INSTANCE_GUID: 'guid-0', LANG: 'en_US.UTF-8' },
    cwd: '/home/vcap',
    mounts: [
      { source: home, destination: '/home/vcap' },
      { source: LIFECYCLE, destination: '/tmp/lifecycle', readonly: true },
    ],
  };
}

describe.skipIf(!built)('the launcher in a container', () => {
  it('starts the command as vcap in /home/vcap/app and returns its status', async () => {
    const r = await collect(instance('echo "user=$(id -un) pwd=$PWD home=$HOME"; exit 7'));

    expect(r.stdout).toBe('Invoking pre-start scripts.\nInvoking start command.\nuser=vcap pwd=/home/vcap/app home=/home/vcap/app\n');
    expect(r.exitCode).toBe(7);
  });

  it('the start command from staging_info.yml when none is given', async () => {
    const r = await collect(instance(''));

    expect(r.stdout).toBe('Invoking pre-start scripts.\nInvoking start command.\nfrom staging_info\n');
  });

  it("`cf stop`: TERM reaches the app's handler through the init and the launcher's exec", async () => {
    const w = await watch(instance('trap "echo stopping; exit 3" TERM; echo ready; sleep 100 & wait'));
    await w.printed('ready\n');

    await w.container.stop(5000);
    const r = await w.done;

    expect(r.stdout).toBe('Invoking pre-start scripts.\nInvoking start command.\nready\nstopping\n');
    expect(r.exitCode).toBe(3);
    expect(traces(w.container.id)).toEqual([]);
  });
});
