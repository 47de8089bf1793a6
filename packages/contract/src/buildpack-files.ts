// The YAML files buildpacks and the builder write, decoded as the reference decodes them with
// gopkg.in/yaml.v2 onto its Go types (CONTRACT §1.3, §2.12, §2.13, §3.2). Go type names appear in
// yaml.v2's type errors, so each decode names the reference's type.
import { YamlDecoder, YamlError, parseYaml } from './go/yaml.ts';
import type { StructFields, YamlNode, YamlValue } from './go/yaml.ts';

export interface ProcessEntry {
  type: string;
  command: string;
  sidecarFor?: string[];
  memory?: number;
}

/** The Procfile is not a mapping of type → command; the reference discards the YAML error (CONTRACT §2.12). */
export class ProcfileInvalidError extends Error {
  override name = 'ProcfileInvalidError';

  constructor(options?: { cause?: unknown }) {
    super('invalid YAML', options);
  }
}

/** `<buildDir>/Procfile`: a mapping type → command, decoded into map[string]string. Document order. */
export function parseProcfile(text: string): ProcessEntry[] {
  try {
    const parsed = parseYaml(text);
    if (!parsed) return [];
    const decoder = new YamlDecoder();
    const processes = decoder.stringMap(parsed.root, 'map[string]string');
    decoder.finish();
    return toEntries(processes);
  } catch (error) {
    if (error instanceof YamlError) throw new ProcfileInvalidError({ cause: error });
    throw error;
  }
}

/**
 * `bin/release` output: only `default_process_types` (type → command) is used. Throws YamlError, whose
 * message follows "buildpack's release output invalid: ". Document order (quirk Q10).
 */
export function parseReleaseOutput(text: string): ProcessEntry[] {
  const parsed = parseYaml(text);
  if (!parsed) return [];
  const decoder = new YamlDecoder();
  const release: { types: Map<string, string> | null } = { types: null };
  const result = decoder.struct(parsed.root, 'buildpackrunner.Release', {
    default_process_types: (value) => {
      const types = decoder.stringMap(value, 'buildpackapplifecycle.ProcessTypes', release.types ?? undefined);
      if (types !== undefined) release.types = types;
    },
  });
  if (result === 'null') release.types = null;
  decoder.finish();
  return toEntries(release.types);
}

/** `deps/<i>/launch.yml`: `processes` with type, command, sidecar targets and memory. Throws YamlError. */
export function parseLaunchYml(text: string): ProcessEntry[] {
  const parsed = parseYaml(text);
  if (!parsed) return [];
  const decoder = new YamlDecoder();
  const launch: { processes: LaunchProcess[] | null } = { processes: null };
  const result = decoder.struct(parsed.root, 'resources.LaunchData', {
    processes: (value) => {
      const processes = decoder.slice(value, '[]resources.Process', (item) => decodeProcess(decoder, item));
      if (processes !== undefined) launch.processes = processes;
    },
  });
  if (result === 'null') launch.processes = null;
  decoder.finish();
  return (launch.processes ?? []).map((process) => ({
    type: process.type,
    command: process.command,
    ...(process.sidecarFor && process.sidecarFor.length > 0 ? { sidecarFor: process.sidecarFor } : {}),
    ...(process.memory !== 0 ? { memory: process.memory } : {}),
  }));
}

export interface BuildpackConfig {
  entrypointPrefix?: string;
}

export interface BuildpackMetadata {
  key: string;
  name: string;
  version?: string;
  config?: BuildpackConfig;
  outputMetadata?: Map<string, YamlValue>;
}

/**
 * `deps/<idx>/config.yml` decoded onto a buildpack's metadata, ignoring every decode error (CONTRACT §2.13):
 * a syntax error leaves the metadata unchanged; a field of the wrong type is skipped while the others
 * apply; a fatal decode error keeps what was decoded before it. Two quirks are fixed: a config.yml `key:`
 * never replaces the key (Q5), and nested `output_metadata` mappings are kept as Maps (Q6).
 */
export function applyConfigYml(base: BuildpackMetadata, text: string): BuildpackMetadata {
  const metadata: BuildpackMetadata = { ...base };
  if (base.config) metadata.config = { ...base.config };
  if (base.outputMetadata) metadata.outputMetadata = new Map(base.outputMetadata);

  let root: YamlNode;
  try {
    const parsed = parseYaml(text);
    if (!parsed) return metadata;
    root = parsed.root;
  } catch (error) {
    if (error instanceof YamlError) return metadata;
    throw error;
  }

  const decoder = new YamlDecoder();
  try {
    const result = decoder.struct(root, 'buildpackapplifecycle.BuildpackMetadata', {
      // Decoded (its errors still stop decoding), but never applied: quirk Q5 fixed.
      key: (value) => void decoder.string(value),
      name: (value) => {
        const name = decoder.string(value);
        if (name !== undefined) metadata.name = name;
      },
      version: (value) => {
        const version = decoder.string(value);
        if (version !== undefined) setOptional(metadata, 'version', version || undefined);
      },
      config: (value) => {
        const config = decoder.pointerStruct(value, 'buildpackapplifecycle.BuildpackConfig', metadata.config, () => ({}), configFields(decoder));
        setOptional(metadata, 'config', config);
      },
      output_metadata: (value) => {
        const output = decoder.anyMap(value, 'map[string]interface {}', metadata.outputMetadata);
        if (output !== undefined) setOptional(metadata, 'outputMetadata', output ?? undefined);
      },
    });
    if (result === 'null') {
      // A null document zeroes the whole struct in yaml.v2 (the key survives: Q5 fixed).
      metadata.name = '';
      for (const field of ['version', 'config', 'outputMetadata'] as const) delete metadata[field];
    }
  } catch (error) {
    if (!(error instanceof YamlError)) throw error;
  }
  return metadata;
}

/** The staging_info.yml fields the launcher uses (CONTRACT §3.2), and the detected buildpack (image labels). */
export interface StagingInfoFields {
  startCommand: string;
  entrypointPrefix: string;
  detectedBuildpack: string;
}

/** `staging_info.yml` (JSON or YAML) as the launcher decodes it. Throws YamlError. Empty → all ''. */
export function parseStagingInfo(text: string): StagingInfoFields {
  const parsed = parseYaml(text);
  const info: { startCommand: string; detectedBuildpack: string; config: BuildpackConfig | undefined } = {
    startCommand: '',
    detectedBuildpack: '',
    config: undefined,
  };
  if (!parsed) return { startCommand: '', entrypointPrefix: '', detectedBuildpack: '' };
  const decoder = new YamlDecoder();
  const result = decoder.struct(parsed.root, 'buildpackrunner.DeaStagingInfo', {
    // The launcher does not use it, but a type error in it still fails the decode.
    detected_buildpack: (value) => {
      const name = decoder.string(value);
      if (name !== undefined) info.detectedBuildpack = name;
    },
    start_command: (value) => {
      const command = decoder.string(value);
      if (command !== undefined) info.startCommand = command;
    },
    config: (value) => {
      info.config = decoder.pointerStruct(value, 'buildpackrunner.DeaStagingInfoConfig', info.config, () => ({}), configFields(decoder));
    },
  });
  if (result === 'null') {
    info.startCommand = '';
    info.detectedBuildpack = '';
    info.config = undefined;
  }
  decoder.finish();
  return { startCommand: info.startCommand, entrypointPrefix: info.config?.entrypointPrefix ?? '', detectedBuildpack: info.detectedBuildpack };
}

// ---------------------------------------------------------------------------------------------------

interface LaunchProcess {
  type: string;
  command: string;
  sidecarFor: string[] | null;
  memory: number;
}

// The reference's anonymous struct types, as Go's reflect prints them in type errors.
const CLOUDFOUNDRY_TYPE = String.raw`struct { SidecarFor []string "yaml:\"sidecar_for\" json:\"sidecar_for\"" }`;
const PLATFORMS_TYPE = `struct { Cloudfoundry ${CLOUDFOUNDRY_TYPE} ${String.raw`"yaml:\"cloudfoundry\" json:\"cloudfoundry\""`} }`;
const LIMITS_TYPE = String.raw`struct { Memory int "yaml:\"memory\" json:\"memory\"" }`;

function emptyProcess(): LaunchProcess {
  return { type: '', command: '', sidecarFor: null, memory: 0 };
}

/** One `processes` item; undefined when it is not a mapping (yaml.v2 drops such items). */
function decodeProcess(decoder: YamlDecoder, node: YamlNode): LaunchProcess | undefined {
  const process = emptyProcess();
  const result = decoder.struct(node, 'resources.Process', {
    type: (value) => {
      const type = decoder.string(value);
      if (type !== undefined) process.type = type;
    },
    command: (value) => {
      const command = decoder.string(value);
      if (command !== undefined) process.command = command;
    },
    platforms: (value) => {
      const platforms = decoder.struct(value, PLATFORMS_TYPE, {
        cloudfoundry: (cloudfoundry) => {
          const fields = decoder.struct(cloudfoundry, CLOUDFOUNDRY_TYPE, {
            sidecar_for: (targets) => {
              const sidecarFor = decoder.stringSlice(targets);
              if (sidecarFor !== undefined) process.sidecarFor = sidecarFor;
            },
          });
          if (fields === 'null') process.sidecarFor = null;
        },
      });
      if (platforms === 'null') process.sidecarFor = null;
    },
    limits: (value) => {
      const limits = decoder.struct(value, LIMITS_TYPE, {
        memory: (memory) => {
          const megabytes = decoder.int(memory);
          if (megabytes !== undefined) process.memory = megabytes;
        },
      });
      if (limits === 'null') process.memory = 0;
    },
  });
  if (result === 'error') return undefined;
  return result === 'null' ? emptyProcess() : process;
}

function configFields(decoder: YamlDecoder): (config: BuildpackConfig) => StructFields {
  return (config) => ({
    entrypoint_prefix: (value) => {
      const prefix = decoder.string(value);
      if (prefix !== undefined) setOptional(config, 'entrypointPrefix', prefix || undefined);
    },
  });
}

/** Sets an optional field, or removes it for undefined (Go's empty value, omitted from JSON). */
function setOptional<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

function toEntries(types: ReadonlyMap<string, string> | null | undefined): ProcessEntry[] {
  return [...(types ?? [])].map(([type, command]) => ({ type, command }));
}
