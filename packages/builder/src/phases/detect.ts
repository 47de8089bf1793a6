// Detect mode (CONTRACT §2.8): the first buildpack in order whose `bin/detect` exits 0 is selected.
//
// The detects run concurrently (at most -detectConcurrency at a time; 1 is the reference's sequential
// behaviour), but everything observable is exactly the sequential run's: buildpack i's messages and
// stderr reach ours only once every buildpack before it has failed to detect (the first one streams
// live), and once buildpack i passes, the later ones are stopped and their output is dropped, as if
// they had never run.
import fs from 'node:fs';
import { NoBuildpackDetectedError, goPathError, type BuilderConfig } from '@cf-lifecycle/contract';
import { runScript } from '../run-script.ts';
import { runningScript, setActivity } from '../staging-timeout.ts';
import { resolveBuildpackRoot } from './resolve.ts';

export interface DetectedBuildpack {
  key: string;
  root: string;
  /** Captured stdout of detect, trailing `\r`/`\n` removed. */
  detectOutput: string;
}

/** Concurrent detects by default: detect scripts mostly wait (on disk, on interpreters starting). */
export const DEFAULT_DETECT_CONCURRENCY = 16;

type Stream = 'stdout' | 'stderr';

/** Held-back stderr of one detect, at most; past it the script waits (its pipe fills) until it goes live. */
export const HELD_OUTPUT_LIMIT = 1024 * 1024;

/** One buildpack's detect: its output is held back until it is at the head of the order. */
class DetectJob {
  private held: Array<[Stream, Buffer | string]> = [];
  private heldBytes = 0;
  private waiting: Array<() => void> = [];
  live = false;
  readonly abort = new AbortController();
  result?: DetectedBuildpack;
  done!: Promise<void>;

  constructor() {
    // A stopped detect's output is dropped: let a paused script run into its SIGKILL.
    this.abort.signal.addEventListener('abort', () => {
      this.held = [];
      this.release();
    });
  }

  /** A promise when the caller must stop reading until the job goes live (or is stopped). */
  write(stream: Stream, data: Buffer | string): void | Promise<void> {
    if (this.live) {
      // Our stdout/stderr may be a pipe read slower than the script writes: wait for it to drain.
      const out = stream === 'stdout' ? process.stdout : process.stderr;
      if (!out.write(data)) return new Promise((resolve) => out.once('drain', resolve));
      return;
    }
    if (this.abort.signal.aborted) return;
    this.held.push([stream, data]);
    this.heldBytes += data.length;
    if (this.heldBytes >= HELD_OUTPUT_LIMIT) return new Promise((resolve) => this.waiting.push(resolve));
  }

  goLive(): void {
    this.live = true;
    for (const [stream, data] of this.held) (stream === 'stdout' ? process.stdout : process.stderr).write(data);
    this.held = [];
    this.release();
  }

  private release(): void {
    this.heldBytes = 0;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

async function runDetect(job: DetectJob, key: string, config: BuilderConfig): Promise<void> {
  let root: string;
  try {
    root = resolveBuildpackRoot(key, config);
  } catch (err) {
    job.write('stderr', `${(err as Error).message}\n`);
    return;
  }
  const script = `${root}/bin/detect`;
  let mode: number;
  try {
    mode = fs.statSync(script).mode;
  } catch (err) {
    job.write('stderr', `${goPathError('stat', script, err)}\n`);
    return;
  }
  // Quirk Q12 kept: all three execute bits, else a warning (on stdout, quirk Q36) and still try it.
  if ((mode & 0o111) !== 0o111) job.write('stdout', "WARNING: buildpack script '/bin/detect' is not executable\n");
  // A finished detect's group is ended (as exec hooks' are): nothing it started in the background runs on.
  const result = await runScript(script, [config.buildDir], {
    capture: 'stdout',
    onStderr: (d) => job.write('stderr', d),
    signal: job.abort.signal,
    endGroupOnExit: true,
  });
  // The detect output names the buildpack: of a script printing more, runScript keeps the first CAPTURE_LIMIT bytes.
  if (result.failure === undefined) job.result = { key, root, detectOutput: result.stdout.replace(/[\r\n]+$/, '') };
}

export async function detect(config: BuilderConfig): Promise<DetectedBuildpack> {
  const keys = config.buildpackOrder;
  const limit = Math.max(1, config.detectConcurrency ?? DEFAULT_DETECT_CONCURRENCY);
  const jobs = keys.map(() => new DetectJob());
  let next = 0;
  let settled = false;
  const startNext = (): void => {
    if (settled || next >= keys.length) return;
    const i = next++;
    const job = jobs[i]!;
    job.done = runDetect(job, keys[i]!, config).finally(startNext);
  };
  for (let n = 0; n < Math.min(limit, keys.length); n++) startNext();

  try {
    for (const [i, job] of jobs.entries()) {
      // Jobs start in order, so job i has started by the time every job before it has finished.
      job.goLive();
      // The one whose output streams: with concurrent detects it is the one staging waits for.
      setActivity(runningScript('bin/detect', keys[i]!));
      while (job.done === undefined) await new Promise((r) => setImmediate(r));
      await job.done;
      if (job.result) {
        settled = true;
        for (const later of jobs.slice(i + 1)) later.abort.abort();
        await Promise.all(jobs.slice(i + 1).map((later) => later.done));
        return job.result;
      }
    }
  } finally {
    settled = true;
  }
  throw new NoBuildpackDetectedError();
}
