// Staging hooks with `droplet stage` (docs/hooks.md, "Trust model"). Hooks that need a secret (HTTP
// hooks sign their events with the content of their `secretFile`) run here, in the CLI, never in the
// staging container where every buildpack could read the secret: pre-detect before the container
// starts, on the host copy of the app bits; post-build and post-package after it has exited, with
// events made from the staging's outputs. The builder gets a hooks config of its own, written into the
// workspace, with the other hooks (exec and builtin); in a container only the files those name are
// mounted, read-only, never the config's directory.
import fs from 'node:fs';
import path from 'node:path';
import { redactUrl } from '@cf-lifecycle/contract';
import type { HookDefinition, HookEvent, HookPhase, HookRecord, MapHookFile } from '@cf-lifecycle/hooks';
import type { Mount } from '@cf-lifecycle/runner';
import { CliError } from '../errors.ts';
import type { StagingWorkspace } from '../workspace.ts';

/** Where the builder's hooks config and its files are, inside the staging container. */
const CONTAINER_HOOKS = '/tmp/hooks';
/**
 * Where a builtin `sbom` hook writes its copy (the CLI copies it to the configured path after staging):
 * straight in the workspace's tmp, whose name staging code cannot change, never in a subdirectory it
 * could replace with a link.
 */
const SBOM_OUTPUT_PREFIX = 'hooks-output-';

export interface SplitHooks {
  /** Run by the CLI. */
  outside: HookDefinition[];
  /** Run by the builder. */
  builder: HookDefinition[];
}

/** Loads `--hooks-dir`/`--hooks-config` as the builder would (one line and exit 1 when unusable) and splits them. */
export async function loadStageHooks(opts: { hooksDir?: string; hooksConfig?: string }): Promise<SplitHooks | undefined> {
  if (!opts.hooksDir && !opts.hooksConfig) return undefined;
  if (opts.hooksDir && !fs.existsSync(opts.hooksDir)) throw new CliError(`--hooks-dir ${opts.hooksDir}: no such directory`);
  if (opts.hooksConfig && !fs.existsSync(opts.hooksConfig)) throw new CliError(`--hooks-config ${opts.hooksConfig}: no such file`);
  const { HookConfigError, loadHooks, partitionHooks } = await import('@cf-lifecycle/hooks');
  try {
    const hooks = await loadHooks({
      ...(opts.hooksDir ? { hooksDir: path.resolve(opts.hooksDir) } : {}),
      ...(opts.hooksConfig ? { hooksConfig: path.resolve(opts.hooksConfig) } : {}),
    });
    return partitionHooks(hooks);
  } catch (err) {
    if (err instanceof HookConfigError) throw new CliError(err.message);
    throw err;
  }
}

export interface BuilderHooks {
  /** The builder's `-hooksConfig`: the config file as the builder sees it. */
  hooksConfig: string;
  /** Binds for the container (none on the host). */
  mounts: Mount[];
  /** Builtin `sbom` copies: where the builder writes each (in the workspace) and where it belongs. */
  sbomOutputs: Array<{ staged: string; final: string }>;
}

/**
 * Writes the builder's hooks config into `ws.hooks`. In a container (`inContainer`) each executable
 * and directory it names is bound read-only under /tmp/hooks; on the host the builder uses the
 * original paths. A builtin `sbom` hook's `output` goes to the workspace, copied out after staging.
 */
export async function prepareBuilderHooks(hooks: readonly HookDefinition[], ws: StagingWorkspace, inContainer: boolean): Promise<BuilderHooks> {
  const { builderHooksConfig } = await import('@cf-lifecycle/hooks');
  const mounts: Mount[] = [];
  const sbomOutputs: BuilderHooks['sbomOutputs'] = [];
  const tmpBase = inContainer ? '/tmp' : ws.tmp;
  const mapFile: MapHookFile = (hostPath, use, hook) => {
    const label = `${hook.phase}-${hook.name}`;
    if (use === 'write-file') {
      sbomOutputs.push({ staged: path.join(ws.tmp, `${SBOM_OUTPUT_PREFIX}${label}.json`), final: hostPath });
      return `${tmpBase}/${SBOM_OUTPUT_PREFIX}${label}.json`;
    }
    if (!inContainer) return hostPath;
    // The mount point is made here, in our own directory, which is read-only in the container.
    const sub = use === 'executable' ? 'exec' : 'data';
    const point = path.join(ws.hooks, sub, label);
    fs.mkdirSync(path.dirname(point), { recursive: true, mode: 0o755 });
    if (use === 'executable') fs.writeFileSync(point, '', { mode: 0o644 });
    else fs.mkdirSync(point, { mode: 0o755 });
    mounts.push({ source: hostPath, destination: `${CONTAINER_HOOKS}/${sub}/${label}`, readonly: true });
    return `${CONTAINER_HOOKS}/${sub}/${label}`;
  };
  const config = builderHooksConfig(hooks, mapFile);
  fs.writeFileSync(path.join(ws.hooks, 'hooks.json'), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 });
  if (inContainer) {
    // The mount point of /tmp/hooks, in the staging's /tmp.
    fs.mkdirSync(path.join(ws.tmp, 'hooks'), { mode: 0o755 });
    mounts.unshift({ source: ws.hooks, destination: CONTAINER_HOOKS, readonly: true });
  }
  return { hooksConfig: `${inContainer ? CONTAINER_HOOKS : ws.hooks}/hooks.json`, mounts, sbomOutputs };
}

/** Runs the CLI's hooks of one phase, as the builder runs its own (same log lines, records and policy). */
export class CliHooks {
  readonly records: HookRecord[] = [];

  constructor(private readonly hooks: readonly HookDefinition[]) {}

  has(phase: HookPhase): boolean {
    return this.hooks.some((h) => h.phase === phase);
  }

  /**
   * Runs `phase`'s hooks. A `required` one that denies or fails throws a CliError with the builder's
   * message for it and its status (227, 228), after the line itself went to stderr as the builder
   * would print it.
   */
  async run(phase: HookPhase, event: HookEvent): Promise<void> {
    if (!this.has(phase)) return;
    const { HookDeniedError, runHooks } = await import('@cf-lifecycle/hooks');
    const log = { stdout: (s: string) => void process.stdout.write(s), stderr: (s: string) => void process.stderr.write(s) };
    try {
      this.records.push(...(await runHooks(phase, [...this.hooks], event, log)));
    } catch (err) {
      if (!(err instanceof HookDeniedError)) throw err;
      this.records.push(...(err.records ?? [err.record]));
      process.stderr.write(`${err.message}\n`);
      const who = `hook '${err.record.name}' (${phase}, run by droplet stage)`;
      throw new CliError(`staging ended by ${who} with status ${err.exitCode}; no droplet was written`, err.exitCode);
    }
  }
}

/** Buildpack keys for hook events and logs: URLs without their userinfo. */
export function eventBuildpacks(list: ReadonlyArray<{ key: string; name?: unknown; version?: unknown }>): HookEvent['buildpacks'] {
  return list.map((bp) => ({
    key: redactUrl(bp.key),
    ...(typeof bp.name === 'string' && bp.name !== '' ? { name: bp.name } : {}),
    ...(typeof bp.version === 'string' && bp.version !== '' ? { version: bp.version } : {}),
  }));
}
