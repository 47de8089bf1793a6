// Staging hooks in the builder (docs/hooks.md): loads them from -hooksDir/-hooksConfig and runs each
// hook point with the event the hooks library defines; every run is recorded for the metadata.
import { StagingError, redactUrl, type BuildpackMetadata, type BuilderConfig } from '@cf-lifecycle/contract';
import type { HookDefinition, HookEvent, HookPhase, HookRecord } from '@cf-lifecycle/hooks';
import { readStackInfo } from './outputs/staging-metadata.ts';
import { trackChild } from './process-registry.ts';
import { setActivity } from './staging-timeout.ts';

export async function loadStagingHooks(config: BuilderConfig): Promise<HookDefinition[]> {
  if (config.hooksDir === '' && config.hooksConfig === '') return [];
  // Loaded only when hooks are configured.
  const { HookConfigError, loadHooks } = await import('@cf-lifecycle/hooks');
  try {
    return await loadHooks({ ...(config.hooksDir ? { hooksDir: config.hooksDir } : {}), ...(config.hooksConfig ? { hooksConfig: config.hooksConfig } : {}) });
  } catch (err) {
    if (err instanceof HookConfigError) throw new StagingError(err.message);
    throw err;
  }
}

export class StagingHooks {
  readonly records: HookRecord[] = [];

  constructor(
    private readonly config: BuilderConfig,
    private readonly hooks: HookDefinition[],
  ) {}

  async run(
    phase: HookPhase,
    facts: { buildpacks: Array<Pick<BuildpackMetadata, 'key' | 'name' | 'version'>>; processTypes?: Map<string, string>; paths: HookEvent['paths'] },
  ): Promise<void> {
    if (!this.hooks.some((h) => h.phase === phase)) return;
    setActivity(`running the ${phase} staging hooks`);
    const stack = readStackInfo(process.env);
    const event: HookEvent = {
      schemaVersion: 1,
      phase,
      app: { ...appName(process.env), buildDir: this.config.buildDir },
      stack: { name: stack.name, ...(stack.version ? { version: stack.version } : {}) },
      // Hooks may log or forward what they get: a buildpack URL's credentials are not part of it.
      buildpacks: facts.buildpacks.map((bp) => ({
        key: redactUrl(bp.key),
        ...(bp.name ? { name: bp.name } : {}),
        ...(bp.version ? { version: bp.version } : {}),
      })),
      paths: facts.paths,
      ...(facts.processTypes ? { processTypes: Object.fromEntries(facts.processTypes) } : {}),
    };
    const { HookDeniedError, runHooks } = await import('@cf-lifecycle/hooks');
    try {
      const log = { stdout: (s: string) => process.stdout.write(s), stderr: (s: string) => process.stderr.write(s) };
      // Hook processes are ended with the builder's on SIGINT/SIGTERM, like buildpack scripts.
      this.records.push(...(await runHooks(phase, this.hooks, event, log, { onChild: trackChild })));
    } catch (err) {
      // HookDeniedError is a LifecycleError: its message and exit status (227/228) go out as they are.
      if (err instanceof HookDeniedError) this.records.push(...(err.records ?? [err.record]));
      throw err;
    }
  }
}

function appName(env: NodeJS.ProcessEnv): { name?: string } {
  try {
    const name = (JSON.parse(env.VCAP_APPLICATION ?? '') as { application_name?: unknown }).application_name;
    return typeof name === 'string' && name ? { name } : {};
  } catch {
    return {};
  }
}
