#!/usr/bin/env node
// npm run bench: measurements as ratios against a baseline measured in the same run (never timed
// assertions). Results are recorded by hand in docs/performance.md.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lifecycle = path.join(root, 'dist', 'lifecycle');
const RUNS = Number(process.env.BENCH_RUNS ?? 30);

function time(file, args, opts) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(file, args, { stdio: 'ignore', ...opts });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}`);
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0] };
}

const fmt = (ms) => `${ms.toFixed(1)} ms`;
const row = (name, ours, base) =>
  console.log(
    `${name.padEnd(44)} ours ${fmt(ours.median).padStart(9)}  baseline ${fmt(base.median).padStart(9)}  ratio ${(ours.median / base.median).toFixed(2)}  overhead ${fmt(ours.median - base.median)}`,
  );

function benchLauncher() {
  // A droplet root with an app that does nothing: the difference between the launcher and bash
  // running the same script is the launcher's own start-up (exec to start command).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-launcher-'));
  try {
    fs.mkdirSync(path.join(dir, 'app'));
    fs.writeFileSync(path.join(dir, 'staging_info.yml'), '{"detected_buildpack":"","start_command":"true"}\n');
    const env = { PATH: process.env.PATH, VCAP_APPLICATION: '{"application_name":"bench"}', PORT: '8080' };
    const script = 'cd "$1"; echo "Invoking pre-start scripts."; shift; echo "Invoking start command."; exec bash -c "$@"';
    const base = time('/bin/bash', ['-c', script, 'launcher', path.join(dir, 'app'), 'true'], { cwd: dir, env });
    const ours = time(path.join(lifecycle, 'launcher'), ['app', '', '{}'], { cwd: dir, env });
    row('launcher start-up (exec → start command)', ours, base);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function benchBuilderStartup() {
  // Flag validation only: the cost of starting the builder at all, against `true`.
  const base = time('/bin/true', [], {});
  const ours = time(path.join(lifecycle, 'builder'), ['-buildpackOrder=x', '-buildDir=/nonexistent', '-h'], {});
  row('builder process start-up (-h)', ours, base);
}

if (!fs.existsSync(path.join(lifecycle, 'launcher'))) {
  console.error('bench: dist/lifecycle is missing: run `npm run build` first');
  process.exit(1);
}
console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.release()}; ${RUNS} runs each, medians`,
);
benchLauncher();
benchBuilderStartup();
// Staging at speed (packaging, detect, one-file staging) and scanning at fleet scale.
const { runStagingBench } = await import('./staging.mjs');
await runStagingBench();
const { runScanBench } = await import('./scan.mjs');
await runScanBench({ runs: 1 });
const tgz = fs.statSync(path.join(root, 'dist', 'lifecycle.tgz')).size;
const exe = fs.statSync(path.join(lifecycle, 'builder')).size;
console.log(
  `dist/lifecycle.tgz: ${(tgz / 2 ** 20).toFixed(1)} MiB (one ${(exe / 2 ** 20).toFixed(1)} MiB executable, hard-linked as ${fs
    .readdirSync(lifecycle)
    .filter((f) => !f.startsWith('.'))
    .join(', ')})`,
);
