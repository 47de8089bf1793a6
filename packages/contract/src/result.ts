// result.json and staging_info.yml documents (CONTRACT §2.14, §2.15), encoded the way Go does (§1.2).
import type { BuildpackMetadata } from './buildpack-files.ts';
import { goJson } from './go/gojson.ts';
import type { StagedProcesses } from './processes.ts';

function buildpackJson(bp: BuildpackMetadata): object {
  return {
    key: bp.key,
    name: bp.name,
    version: bp.version ? bp.version : undefined,
    config: bp.config ? { entrypoint_prefix: bp.config.entrypointPrefix ? bp.config.entrypointPrefix : undefined } : undefined,
    output_metadata: bp.outputMetadata && bp.outputMetadata.size > 0 ? bp.outputMetadata : undefined,
  };
}

function lifecycleMetadata(buildpacks: readonly BuildpackMetadata[]): object {
  const last = buildpacks[buildpacks.length - 1];
  return {
    buildpack_key: last?.key ? last.key : undefined,
    detected_buildpack: last?.name ?? '',
    buildpacks: buildpacks.map(buildpackJson),
  };
}

/**
 * result.json. With `staged` it is the success document; without it the failure document
 * (`process_types: null`, no processes or sidecars). Ends with a newline, as Go's stream encoder writes.
 */
export function resultJson(buildpacks: readonly BuildpackMetadata[], staged?: StagedProcesses): string {
  const doc = {
    lifecycle_metadata: lifecycleMetadata(buildpacks),
    process_types: staged ? staged.processTypes : null,
    processes: staged && staged.processes.length > 0 ? staged.processes : undefined,
    sidecars:
      staged && staged.sidecars.length > 0
        ? staged.sidecars.map((s) => ({ name: s.name, process_types: s.processTypes, command: s.command, memory: s.memory ? s.memory : undefined }))
        : undefined,
    execution_metadata: '',
    lifecycle_type: 'buildpack',
  };
  return `${goJson(doc)}\n`;
}

/** staging_info.yml: JSON despite its name (quirk Q35 kept). */
export function stagingInfoJson(buildpacks: readonly BuildpackMetadata[], startCommand: string): string {
  const last = buildpacks[buildpacks.length - 1];
  const doc = {
    detected_buildpack: last?.name ?? '',
    start_command: startCommand,
    config: last?.config ? { entrypoint_prefix: last.config.entrypointPrefix ? last.config.entrypointPrefix : undefined } : undefined,
  };
  return `${goJson(doc)}\n`;
}
