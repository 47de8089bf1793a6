#!/usr/bin/env node
// Staging at speed: deterministic workloads, each timed against a baseline measured in the same run.
//
//   packaging   the builder staging an app with a no-op buildpack, against `cp -a` + `tar -czf` of
//               the same tree (what the reference does to package); peak memory of the builder
//   detect      10 buildpacks whose detect sleeps 0.2 s (the last passes), against one such detect
//   one-file    the whole builder on a one-file app, against the Go reference when REF_BUILDER
//               points to it (else only our time)
//
// `node bench/staging.mjs` runs it alone; bench/run.mjs calls runStagingBench(). Workloads are
// generated once into $BENCH_DIR (default /tmp/cf-lifecycle-bench) and reused.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const builder = path.join(root, 'dist', 'lifecycle', 'builder');
const benchDir = process.env.BENCH_DIR ?? path.join(os.tmpdir(), 'cf-lifecycle-bench');

export const WORKLOADS = [
  { name: 'one-file', files: 1, bytes: 64 },
  { name: '5k-files-60MB', files: 5_000, bytes: 60 * 2 ** 20 },
  { name: '30k-files-365MB', files: 30_000, bytes: 365 * 2 ** 20 },
];

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'the quick brown fox jumps over a lazy dog function return const module export import class require value buildpack droplet stack'.split(' ');

/** An app tree: a third of the bytes random (already-compressed assets), the rest text-like source. */
function generateApp(dir, files, bytes, seed) {
  const marker = path.join(dir, '.generated');
  if (fs.existsSync(marker)) return;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const rand = prng(seed);
  const perFile = Math.max(1, Math.floor(bytes / files));
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `pkg${i % 50}`, `mod${i % 17}`);
    fs.mkdirSync(sub, { recursive: true });
    const size = Math.max(1, Math.floor(perFile * (0.5 + rand())));
    let content;
    if (i % 3 === 0) {
      content = Buffer.alloc(size);
      for (let j = 0; j < size; j += 4) content.writeUInt32LE((rand() * 2 ** 32) >>> 0, Math.min(j, Math.max(size - 4, 0)));
    } else {
      const parts = [];
      let len = 0;
      while (len < size) {
        const w = `${WORDS[Math.floor(rand() * WORDS.length)]}${rand() < 0.1 ? '\n' : ' '}`;
        parts.push(w);
        len += w.length;
      }
      content = Buffer.from(parts.join('').slice(0, size));
    }
    fs.writeFileSync(path.join(sub, `file${i}.${i % 3 === 0 ? 'bin' : 'js'}`), content);
  }
  fs.writeFileSync(marker, '');
}

function noopBuildpack(dir) {
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'bin', 'detect'), '#!/bin/sh\necho noop\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'bin', 'compile'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'bin', 'release'), '#!/bin/sh\nprintf -- "---\\ndefault_process_types:\\n  web: run\\n"\n', { mode: 0o755 });
}

function sleepyBuildpack(dir, passes) {
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'bin', 'detect'), `#!/bin/sh\nsleep 0.2\n${passes ? 'echo sleepy' : 'exit 1'}\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'bin', 'compile'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'bin', 'release'), '#!/bin/sh\nprintf -- "---\\ndefault_process_types:\\n  web: run\\n"\n', { mode: 0o755 });
}

/** xxhash64 directory names come from the builder itself (-h lists nothing of it), so use the contract's code. */
async function xxhash64Hex(key) {
  const { xxhash64Hex: hash } = await import(path.join(root, 'packages', 'contract', 'src', 'xxhash64.ts'));
  return hash(key);
}

/** Runs a command, timing it and sampling its peak RSS (VmHWM) from /proc while it runs. */
function timed(file, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let peakKb = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // exited
      }
    };
    const timer = setInterval(sample, 20);
    child.on('error', reject);
    child.on('exit', () => sample());
    child.on('close', (code) => {
      clearInterval(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${path.basename(file)} exited ${code}: ${stderr.trim().split('\n').pop()}`));
      else resolve({ ms, peakMb: peakKb / 1024 });
    });
  });
}

async function stageOnce(app, buildpacksDir, order, work, extra = []) {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const args = [
    `-buildDir=${app}`,
    `-buildpacksDir=${buildpacksDir}`,
    `-buildArtifactsCacheDir=${work}/cache`,
    `-outputDroplet=${work}/droplet`,
    `-outputMetadata=${work}/result.json`,
    `-outputBuildArtifactsCache=${work}/output-cache`,
    `-buildpackOrder=${order.join(',')}`,
    ...extra,
  ];
  return timed(builder, args, { env: { PATH: process.env.PATH, TMPDIR: work } });
}

async function baselineOnce(app, work) {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  // What the reference does to package: copy the app into the droplet root, then tar -czf it.
  return timed('bash', ['-c', 'cp -a "$1" "$2/app" && tar -czf "$2/droplet" -C "$2" app', 'baseline', app, work]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

export async function runStagingBench(log = console.log) {
  if (!fs.existsSync(builder)) throw new Error('dist/lifecycle/builder is missing: run `npm run build`');
  fs.mkdirSync(benchDir, { recursive: true });
  const buildpacksDir = path.join(benchDir, 'buildpacks');
  noopBuildpack(path.join(buildpacksDir, await xxhash64Hex('noop')));
  const work = path.join(benchDir, 'work');
  const results = [];

  for (const [i, w] of WORKLOADS.entries()) {
    const app = path.join(benchDir, 'apps', w.name);
    generateApp(app, w.files, w.bytes, 1000 + i);
    const runs = w.files > 10_000 ? 2 : 5;
    const ours = [];
    const base = [];
    let peak = 0;
    for (let r = 0; r < runs; r++) {
      base.push((await baselineOnce(app, work)).ms);
      const o = await stageOnce(app, buildpacksDir, ['noop'], work);
      ours.push(o.ms);
      peak = Math.max(peak, o.peakMb);
    }
    const row = { workload: w.name, oursMs: median(ours), baselineMs: median(base), ratio: median(ours) / median(base), peakMb: peak };
    results.push(row);
    log(
      `packaging ${w.name.padEnd(16)} builder ${fmt(row.oursMs).padStart(9)}   cp -a + tar -czf ${fmt(row.baselineMs).padStart(9)}   ratio ${row.ratio.toFixed(2)}   builder peak RSS ${row.peakMb.toFixed(0)} MB`,
    );
  }

  // Detect: 10 buildpacks whose detect takes 0.2 s, only the last passes; against one alone.
  const detectDir = path.join(benchDir, 'detect-buildpacks');
  const keys = Array.from({ length: 10 }, (_, i) => `sleepy-${i}`);
  for (const [i, key] of keys.entries()) sleepyBuildpack(path.join(detectDir, await xxhash64Hex(key)), i === keys.length - 1);
  const tiny = path.join(benchDir, 'apps', 'one-file');
  const single = [];
  const concurrent = [];
  const sequential = [];
  for (let r = 0; r < 3; r++) {
    single.push((await stageOnce(tiny, detectDir, [keys[keys.length - 1]], work)).ms);
    concurrent.push((await stageOnce(tiny, detectDir, keys, work, ['-detectConcurrency=16'])).ms);
    sequential.push((await stageOnce(tiny, detectDir, keys, work)).ms);
  }
  const detectRow = { oursMs: median(concurrent), singleMs: median(single), sequentialMs: median(sequential), ratio: median(concurrent) / median(single) };
  log(
    `detect 10 × 0.2 s          builder ${fmt(detectRow.oursMs).padStart(9)}   one detect alone ${fmt(detectRow.singleMs).padStart(9)}   ratio ${detectRow.ratio.toFixed(2)}   (sequential: ${fmt(detectRow.sequentialMs)})`,
  );

  // The whole builder on a one-file app; against the Go reference builder when one is given.
  const oneFile = [];
  for (let r = 0; r < 10; r++) oneFile.push((await stageOnce(tiny, buildpacksDir, ['noop'], work)).ms);
  let refLine = '(set REF_BUILDER to the Go reference builder to compare)';
  if (process.env.REF_BUILDER) {
    const ref = [];
    for (let r = 0; r < 10; r++) {
      fs.rmSync(work, { recursive: true, force: true });
      fs.mkdirSync(work, { recursive: true });
      const args = [
        `-buildDir=${tiny}`,
        `-buildpacksDir=${buildpacksDir}`,
        `-buildArtifactsCacheDir=${work}/cache`,
        `-outputDroplet=${work}/droplet`,
        `-outputMetadata=${work}/result.json`,
        `-outputBuildArtifactsCache=${work}/output-cache`,
        '-buildpackOrder=noop',
      ];
      ref.push((await timed(process.env.REF_BUILDER, args, { env: { PATH: process.env.PATH, TMPDIR: work } })).ms);
    }
    refLine = `Go reference ${fmt(median(ref))}   ratio ${(median(oneFile) / median(ref)).toFixed(2)}`;
  }
  log(`builder, one-file app      builder ${fmt(median(oneFile)).padStart(9)}   ${refLine}`);
  fs.rmSync(work, { recursive: true, force: true });
  return { packaging: results, detect: detectRow, oneFileMs: median(oneFile) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  runStagingBench().catch((err) => {
    console.error(`bench: ${err.message}`);
    process.exit(1);
  });
}
