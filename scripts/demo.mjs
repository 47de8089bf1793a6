#!/usr/bin/env node
// The demo: stage buildpacks-fixtures/apps/hello-web with the fixture buildpack `python-web` using the
// built dist/lifecycle/builder, exactly as an orchestrator invokes it, then start the droplet's web
// process and print one HTTP response from it. Everything lives in a temporary directory that is
// removed at the end, also on Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { xxhash64Hex } from '../packages/contract/src/xxhash64.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const builder = path.join(root, 'dist', 'lifecycle', 'builder');
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
  const result = JSON.parse(fs.readFileSync(dirs.result, 'utf8'));
  const port = await freePort();
  const command = result.process_types.web;
  say(`starting the web process on port ${port}: ${command}`);
  const script = 'cd "$1" && for f in ../profile.d/*.sh; do [ -f "$f" ] && source "$f"; done && exec bash -c "$2"';
  app = spawn('bash', ['-c', script, 'start', path.join(home, 'app'), command], {
    cwd: home,
    env: { ...process.env, HOME: path.join(home, 'app'), PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  say(`GET http://127.0.0.1:${port}/`);
  process.stdout.write(`${await get(`http://127.0.0.1:${port}/`)}`);
  say('stopping the app');
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
