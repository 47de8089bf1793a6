#!/usr/bin/env node
// npm run demo: stage a sample web app in a cflinuxfs2-compatible container with the `droplet` CLI,
// run the droplet as an app instance, print an HTTP response from it, and stop it.
//
//   buildpacks-fixtures/apps/hello-web  +  buildpacks-fixtures/buildpacks/python-web
//
// The minimal stack is built on first use (about a minute) and reused. runc is installed with apt
// when it is missing and we are root; without root the demo runs the lifecycle on the host (--host).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'droplet.cjs');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-demo-'));
let app;

const say = (line) => process.stdout.write(`\x1b[1m### ${line}\x1b[0m\n`);

function cleanup() {
  if (app && app.exitCode === null) app.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

function haveRunc() {
  return ['/usr/sbin/runc', '/usr/bin/runc'].some((f) => fs.existsSync(f));
}

function ensureRunc() {
  if (haveRunc()) return true;
  if (process.getuid?.() !== 0) return false;
  say('installing runc (apt-get install runc)');
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'runc'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  if (install().status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    if (install().status !== 0) throw new Error('could not install runc with apt-get');
  }
  return true;
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function main() {
  if (!fs.existsSync(cli)) throw new Error('dist/cli/droplet.cjs is missing: run `npm run build`');
  const containers = ensureRunc() && process.getuid?.() === 0;
  const host = containers ? [] : ['--host'];
  if (!containers) say('not root or no runc: running the lifecycle on the host (--host) instead of in containers');

  const droplet = path.join(work, 'hello-web.droplet');
  const appDir = path.join(root, 'buildpacks-fixtures', 'apps', 'hello-web');
  const buildpack = path.join(root, 'buildpacks-fixtures', 'buildpacks', 'python-web');
  say(`droplet stage ${path.relative(root, appDir)} -b ${path.relative(root, buildpack)}`);
  execFileSync(process.execPath, [cli, 'stage', appDir, '-b', buildpack, '-o', droplet, ...host], { stdio: 'inherit' });
  say('droplet contents');
  process.stdout.write(execFileSync('tar', ['-tzf', droplet], { encoding: 'utf8' }));

  const port = await freePort();
  say(`droplet run hello-web.droplet --port ${port}`);
  app = spawn(process.execPath, [cli, 'run', droplet, '--port', String(port), '--grace', '5', ...host], { stdio: ['ignore', 'inherit', 'pipe'] });
  let log = '';
  app.stderr.setEncoding('utf8').on('data', (d) => {
    log += d;
    process.stderr.write(d);
  });
  const exited = new Promise((resolve) => app.on('close', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!log.includes('is healthy')) {
    if (app.exitCode !== null) throw new Error('the app exited before it became healthy');
    if (Date.now() > deadline) throw new Error('the app did not become healthy within 2 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
  say(`GET http://127.0.0.1:${port}/`);
  const res = await fetch(`http://127.0.0.1:${port}/`);
  process.stdout.write(`HTTP ${res.status} ${await res.text()}`);
  say('stopping the app (SIGTERM to droplet run: TERM to the container, then KILL after the grace period)');
  app.kill('SIGTERM');
  await exited;
}

main()
  .then(() => {
    cleanup();
    say('done');
  })
  .catch((err) => {
    process.stderr.write(`demo: ${err.message}\n`);
    cleanup();
    process.exit(1);
  });
