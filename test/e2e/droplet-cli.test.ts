// End to end: the `droplet` CLI stages and runs apps in a real cflinuxfs2-compatible container (runc),
// as Diego's staging task and LRP do. Needs root, runc and mmdebstrap (.ci/run installs them); the
// minimal stack is built on first use and reused from /var/cache/cf-lifecycle.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DROPLET_CLI as CLI, ROOT, runCli, type RunResult } from '../helpers/stage.ts';

const FIXTURES = path.join(ROOT, 'buildpacks-fixtures');
const RUNC_ROOT = '/run/cf-lifecycle/runc';

let scratch: string;
let tmp: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'droplet-e2e-'));
  // The CLI's own temporaries (workspaces, OCI bundles) go here, so leftovers can be checked.
  tmp = path.join(scratch, 'tmp');
  fs.mkdirSync(tmp);
}, 600_000);

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

function cli(args: string[]): Promise<RunResult> {
  return runCli(args, { TMPDIR: tmp });
}

/** A fresh copy of a fixture app, so that its build cache (keyed by path) starts empty. */
function appCopy(name: string): string {
  const dir = fs.mkdtempSync(path.join(scratch, `${name}-`));
  const app = path.join(dir, name);
  execFileSync('cp', ['-a', path.join(FIXTURES, 'apps', name), app]);
  return app;
}

const buildpack = (name: string) => path.join(FIXTURES, 'buildpacks', name);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Nothing of ours left: no temporaries, no container whose bundle was ours, no mount under them. */
function expectNothingLeft(): void {
  expect(fs.readdirSync(tmp)).toEqual([]);
  const containers = execFileSync('runc', ['--root', RUNC_ROOT, 'list', '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const id of containers) {
    const state = JSON.parse(execFileSync('runc', ['--root', RUNC_ROOT, 'state', id], { encoding: 'utf8' })) as { bundle: string };
    expect(state.bundle.startsWith(tmp)).toBe(false);
  }
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(tmp)).toBe(false);
}

describe('droplet stage: the staging task in the stack container', () => {
  it('stages a sample app as vcap, writes the droplet, result.json and metadata, and leaves nothing behind', async () => {
    const app = appCopy('hello-web');
    const out = path.join(scratch, 'hello.droplet');
    const r = await cli(['stage', app, '-b', buildpack('python-web'), '-o', out]);
    expect(r.stderr).toContain('==> staging hello-web with python-web on cflinuxfs2');
    expect(r.stdout).toContain('-----> Python Web buildpack: supplying (staging #1 with this cache)');
    expect(r.code).toBe(0);
    const listing = execFileSync('tar', ['--numeric-owner', '-tvzf', out], { encoding: 'utf8' });
    expect(listing).toMatch(/2000\/2000 .* \.\/app\/server\.py/);
    const result = JSON.parse(fs.readFileSync(`${out}.result.json`, 'utf8'));
    expect(result.process_types).toEqual({ web: 'python3 server.py' });
    const metadata = JSON.parse(fs.readFileSync(`${out}.metadata.json`, 'utf8'));
    expect(metadata.stack).toMatchObject({ name: 'cflinuxfs2', version: '1.0.0', source: 'version-file', profile: 'minimal' });
    expect(metadata.dependencies).toEqual([expect.objectContaining({ name: 'python', source: 'buildpack:python-web' })]);
    expectNothingLeft();
  });

  it('a second staging of the same app restores the build cache', async () => {
    const app = appCopy('hello-web');
    const out = path.join(scratch, 'cached.droplet');
    const first = await cli(['stage', app, '-b', buildpack('python-web'), '-o', out]);
    expect(first.stdout).toContain('(staging #1 with this cache)');
    const second = await cli(['stage', app, '-b', buildpack('python-web'), '-o', out]);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('==> restored the build cache from');
    expect(second.stdout).toContain('(staging #2 with this cache)');
    expectNothingLeft();
  });

  it('buildpacks see CF_STACK, the stack version file and run as vcap', async () => {
    const r = await cli(['stage', appCopy('simple'), '-b', buildpack('reports-stack'), '-o', path.join(scratch, 'stack.droplet')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('reports-stack: CF_STACK=cflinuxfs2\n');
    expect(r.stdout).toMatch(/reports-stack: version file: \{.*"name": *"cflinuxfs2".*"version": *"1\.0\.0"/);
    expect(r.stdout).toContain('reports-stack: user=vcap uid=2000 gid=2000 home=/home/vcap\n');
    expect(r.stdout).toContain('reports-stack: MEMORY_LIMIT=1024m LANG=en_US.UTF-8\n');
  });

  it('exits 222 when no buildpack detects, and a failing staging leaves nothing behind', async () => {
    const out = path.join(scratch, 'none.droplet');
    const r = await cli(['stage', appCopy('simple'), '-b', buildpack('always-fails'), '-o', out]);
    expect(r.code).toBe(222);
    expect(r.stderr).toContain('None of the buildpacks detected a compatible application\n');
    expect(fs.existsSync(out)).toBe(false);
    expectNothingLeft();
  });

  it('rejects bad input with one clear line', async () => {
    const r = await cli(['stage', path.join(scratch, 'no-such-app'), '-b', buildpack('python-web')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`droplet: ${path.join(scratch, 'no-such-app')}: no such app directory\n`);
    const bp = await cli(['stage', appCopy('simple'), '-b', path.join(scratch, 'nope')]);
    expect(bp.code).toBe(1);
    expect(bp.stderr).toMatch(/^droplet: buildpack .*nope: no such directory or zip file; give a buildpack directory, a \.zip file or a URL\n$/);
  });
});

describe('droplet run: an app instance in a fresh container', () => {
  let droplet: string;
  beforeAll(async () => {
    droplet = path.join(scratch, 'run.droplet');
    const r = await cli(['stage', appCopy('hello-web'), '-b', buildpack('python-web'), '-o', droplet]);
    expect(r.code).toBe(0);
  }, 300_000);

  it('answers HTTP from the host; SIGTERM reaches the app’s own handler; nothing is left behind', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, [CLI, 'run', droplet, '--port', String(port), '--grace', '5'], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!output.includes('is healthy') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain(`==> run is healthy: http://127.0.0.1:${port}/`);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`Hello from a droplet staged by python-web buildpack (PORT=${port})\n`);
    child.kill('SIGTERM');
    const code = await exited;
    expect(output).toContain('Invoking start command.');
    expect(output).toContain('hello-web: caught SIGTERM, shutting down');
    expect(code).toBe(143);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    expectNothingLeft();
  });

  it('droplet shell runs a command with the app’s environment', async () => {
    const r = await cli(['shell', droplet, '-c', 'echo "home=$HOME pwd=$PWD staged_by=$STAGED_BY"; id -u']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('home=/home/vcap/app pwd=/home/vcap/app staged_by=python-web buildpack\n2000\n');
    expectNothingLeft();
  });
});
