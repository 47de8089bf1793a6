// Helpers for the builder integration tests that go beyond `stage.ts`: reading what the recorder
// fixtures (`records-args`, `records-args-compile`) wrote, running the builder with arbitrary argv,
// and with a stdin that stays open.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILDER, baseEnv, type RunResult, type Workspace } from './stage.ts';

/** One invocation of a recorder script (see buildpacks-fixtures/README.md). */
export interface ScriptRecord {
  script: string;
  path: string;
  cwd: string;
  stdin: 'eof' | 'data' | 'open';
  mark: string;
  /** One character per argument: `d` directory, `f` other file, `-` missing (when the script ran). */
  kinds: string;
  /** supply/finalize: the entries of the deps dir ($3), space-separated. */
  extra: string;
  args: string[];
}

/** Where the recorders log, outside the build dir so nothing reaches the droplet. */
export const recordLog = (ws: Workspace): string => path.join(ws.root, 'records.log');

/** The environment that makes the recorders log for this workspace. */
export const recording = (ws: Workspace, extra: Record<string, string> = {}): Record<string, string> => ({
  FIXTURE_LOG: recordLog(ws),
  ...extra,
});

export function readRecords(ws: Workspace): ScriptRecord[] {
  const log = recordLog(ws);
  if (!fs.existsSync(log)) return [];
  return fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [script, p, cwd, stdin, mark, kinds, extra, ...args] = line.split('\t');
      return { script: script!, path: p!, cwd: cwd!, stdin: stdin as ScriptRecord['stdin'], mark: mark!, kinds: kinds!, extra: extra!, args };
    });
}

/** `[script, ...args]` of every recorded invocation, in order: the shape most assertions want. */
export const invocations = (ws: Workspace): string[][] => readRecords(ws).map((r) => [r.script, ...r.args]);

/** The environment a recorder script saw (NUL-separated dump), without the variables bash sets itself. */
export function recordedEnv(ws: Workspace, script: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of fs
    .readFileSync(`${recordLog(ws)}.${script}.env`, 'utf8')
    .split('\0')
    .filter(Boolean)) {
    const eq = entry.indexOf('=');
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  for (const own of ['PWD', 'SHLVL', '_', 'OLDPWD']) delete env[own];
  return env;
}

/** Runs the builder with exactly `args`, TMPDIR inside the workspace, cwd the workspace root. */
export function runBuilder(ws: Workspace, args: readonly string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<RunResult> {
  return runProcess(BUILDER, args, { env: baseEnv({ TMPDIR: ws.tmpDir, ...opts.env }), cwd: opts.cwd ?? ws.root });
}

/**
 * Runs an executable like `run()` of stage.ts, optionally with a stdin pipe that receives `stdin` and is
 * then kept open until the process exits (so an inheriting child would block or read the data).
 */
export function runProcess(
  file: string,
  args: readonly string[],
  opts: { env: Record<string, string | undefined>; cwd?: string; stdin?: string; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: opts.env,
      cwd: opts.cwd,
      stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (opts.stdin !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.write(opts.stdin);
    }
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 50_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      child.stdin?.destroy();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Entries of any gzip tarball as GNU tar lists them, sorted. */
export const tarListing = (file: string): string[] => execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();

/** The workspace flags as `[name, value]` pairs (from `ws.args`), to be re-spelled in other syntaxes. */
export function flagPairs(ws: Workspace, order: readonly string[], opts: { skipDetect?: boolean } = {}): [string, string][] {
  return ws.args(order, opts).map((arg) => {
    const eq = arg.indexOf('=');
    return [arg.slice(1, eq), arg.slice(eq + 1)];
  });
}

/** Writes an empty result.json beforehand, so a test can tell "left untouched" from "written". */
export function precreateResult(ws: Workspace): void {
  fs.mkdirSync(path.dirname(ws.outputMetadata), { recursive: true });
  fs.writeFileSync(ws.outputMetadata, '');
}

/** The failure result.json of CONTRACT §2.14 for buildpack keys without config.yml, byte for byte. */
export function failureResult(keys: readonly string[]): string {
  const buildpacks = keys.map((key) => ({ key, name: '' }));
  const last = keys[keys.length - 1] ?? '';
  const metadata = last === '' ? { detected_buildpack: '', buildpacks } : { buildpack_key: last, detected_buildpack: '', buildpacks };
  return `${JSON.stringify({ lifecycle_metadata: metadata, process_types: null, execution_metadata: '', lifecycle_type: 'buildpack' })}\n`;
}

/** Files in the directory of an output (to find leftovers such as temporary files beside it). */
export const siblings = (file: string): string[] => (fs.existsSync(path.dirname(file)) ? fs.readdirSync(path.dirname(file)).sort() : []);
