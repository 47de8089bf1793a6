// The builder's command line: its flags (CONTRACT §2.1), their validation (§2.2), and the inverse,
// the `-name=value` arguments an orchestrator passes for a configuration (the reference's `Args()`,
// §2.1). `droplet stage` and the Kubernetes staging Job build the builder's arguments only here.
import { STAGING_PATHS } from './diego.ts';
import { EXIT } from './exit-codes.ts';
import { type FlagDef, formatGoDuration, parseFlags } from './go/flags.ts';
import { goClean } from './paths.ts';

/** Declared in the reference's order (the usage listing sorts them by name); our own flags follow. */
export const BUILDER_FLAGS: readonly FlagDef[] = [
  { name: 'buildDir', kind: 'string', default: STAGING_PATHS.buildDir, usage: 'directory containing raw app bits' },
  { name: 'outputDroplet', kind: 'string', default: STAGING_PATHS.outputDroplet, usage: 'file where compressed droplet should be written' },
  // Quirk Q31 fixed: the reference calls this a directory.
  {
    name: 'outputMetadata',
    kind: 'string',
    default: STAGING_PATHS.outputMetadata,
    usage: 'file where the app metadata (result.json) should be written',
  },
  {
    name: 'outputBuildArtifactsCache',
    kind: 'string',
    default: STAGING_PATHS.outputBuildArtifactsCache,
    usage: 'file where compressed contents of new cached build artifacts should be written',
  },
  { name: 'buildpacksDir', kind: 'string', default: STAGING_PATHS.buildpacksDir, usage: 'directory containing the buildpacks to try' },
  { name: 'buildpacksDownloadDir', kind: 'string', default: STAGING_PATHS.buildpacksDownloadDir, usage: 'directory to download buildpacks to' },
  {
    name: 'buildArtifactsCacheDir',
    kind: 'string',
    default: STAGING_PATHS.buildArtifactsCacheDir,
    usage: 'directory where previous cached build artifacts should be extracted',
  },
  { name: 'buildpackOrder', kind: 'string', default: '', usage: 'comma-separated list of buildpacks, to be tried in order' },
  { name: 'skipDetect', kind: 'bool', default: false, usage: 'skip buildpack detect' },
  { name: 'skipCertVerify', kind: 'bool', default: false, usage: 'skip SSL certificate verification' },
  { name: 'credhubConnectAttempts', kind: 'int', default: 3, usage: 'number of times that the credhub client will attempt to connect to credhub' },
  {
    name: 'credhubRetryDelay',
    kind: 'duration',
    default: 1000,
    usage: 'delay duration that the credhub client will wait before retrying the connection to credhub',
  },
  {
    name: 'reproducibleDroplet',
    kind: 'bool',
    default: false,
    usage: 'make the droplet and cache tarballs byte-identical for identical inputs: sorted entries, mtimes from SOURCE_DATE_EPOCH (default 0), owners 0:0',
  },
  {
    name: 'detectConcurrency',
    kind: 'int',
    // The reference's sequential detect (CONTRACT §2.8); more at once is asked for explicitly.
    default: 1,
    usage:
      'how many bin/detect scripts may run at once (1: one after another, as the reference does); the result and output are always those of the sequential run',
  },
  // Beyond the reference: optional, so they are not part of the "missing flag" validation.
  {
    name: 'outputStagingMetadata',
    kind: 'string',
    default: '',
    usage: 'file where the versioned staging metadata (docs/staging-metadata.md) should be written; also embeds it and the SBOM in the droplet',
  },
  { name: 'hooksDir', kind: 'string', default: '', usage: 'directory of exec staging hooks: pre-detect/, post-build/, post-package/ (docs/hooks.md)' },
  { name: 'hooksConfig', kind: 'string', default: '', usage: 'YAML or JSON file listing staging hooks (docs/hooks.md)' },
  { name: 'stagingTimeout', kind: 'duration', default: 0, usage: 'end staging (exit 229) when it takes longer than this Go duration; 0 or less: no limit' },
];

/** Flags of our own that may be left empty. */
const OPTIONAL_FLAGS = new Set(['outputStagingMetadata', 'hooksDir', 'hooksConfig', 'stagingTimeout']);

export interface BuilderConfig {
  buildDir: string;
  outputDroplet: string;
  outputMetadata: string;
  outputBuildArtifactsCache: string;
  buildpacksDir: string;
  buildpacksDownloadDir: string;
  buildArtifactsCacheDir: string;
  /** Split on `,` with no trimming; empty elements are kept. */
  buildpackOrder: string[];
  skipDetect: boolean;
  skipCertVerify: boolean;
  credhubConnectAttempts: number;
  credhubRetryDelayMs: number;
  detectConcurrency: number;
  reproducibleDroplet: boolean;
  /** Empty when not requested. */
  outputStagingMetadata: string;
  hooksDir: string;
  hooksConfig: string;
  /** 0: no limit. */
  stagingTimeoutMs: number;
}

export type ParsedArgs = { kind: 'config'; config: BuilderConfig } | { kind: 'exit'; code: number; stderr: string };

/** The config field each flag sets, where the name differs (durations are held in milliseconds). */
const FIELD_OF: Record<string, keyof BuilderConfig> = { credhubRetryDelay: 'credhubRetryDelayMs', stagingTimeout: 'stagingTimeoutMs' };
const fieldOf = (flag: string): keyof BuilderConfig => FIELD_OF[flag] ?? (flag as keyof BuilderConfig);

export function parseBuilderArgs(args: readonly string[]): ParsedArgs {
  const parsed = parseFlags('builder', BUILDER_FLAGS, args);
  if (parsed.kind === 'help') return { kind: 'exit', code: EXIT.builder.Success, stderr: parsed.output };
  if (parsed.kind === 'error') return { kind: 'exit', code: EXIT.builder.FlagParse, stderr: parsed.output };
  const v = parsed.values;
  // CONTRACT §2.2: every string flag whose value is empty, in flag-name byte order.
  const missing = BUILDER_FLAGS.filter((f) => f.kind === 'string' && !OPTIONAL_FLAGS.has(f.name) && v[f.name] === '')
    .map((f) => f.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (missing.length > 0) {
    return { kind: 'exit', code: EXIT.builder.Failure, stderr: `${missing.map((n) => `missing flag: -${n}`).join(', ')}\n` };
  }
  const path = (name: string) => goClean(v[name] as string);
  return {
    kind: 'config',
    config: {
      buildDir: path('buildDir'),
      outputDroplet: path('outputDroplet'),
      outputMetadata: path('outputMetadata'),
      outputBuildArtifactsCache: path('outputBuildArtifactsCache'),
      buildpacksDir: path('buildpacksDir'),
      buildpacksDownloadDir: path('buildpacksDownloadDir'),
      buildArtifactsCacheDir: path('buildArtifactsCacheDir'),
      buildpackOrder: (v.buildpackOrder as string).split(','),
      skipDetect: v.skipDetect as boolean,
      skipCertVerify: v.skipCertVerify as boolean,
      credhubConnectAttempts: v.credhubConnectAttempts as number,
      credhubRetryDelayMs: v.credhubRetryDelay as number,
      detectConcurrency: v.detectConcurrency as number,
      reproducibleDroplet: v.reproducibleDroplet as boolean,
      outputStagingMetadata: v.outputStagingMetadata === '' ? '' : path('outputStagingMetadata'),
      hooksDir: v.hooksDir === '' ? '' : path('hooksDir'),
      hooksConfig: v.hooksConfig === '' ? '' : path('hooksConfig'),
      stagingTimeoutMs: Math.max(0, v.stagingTimeout as number),
    },
  };
}

/** A flag's value as the builder's parser reads it back. */
function flagText(def: FlagDef, value: BuilderConfig[keyof BuilderConfig]): string {
  if (Array.isArray(value)) return value.join(',');
  if (def.kind === 'duration') return formatGoDuration(value as number);
  return String(value);
}

/**
 * The builder's arguments for `config`, the inverse of {@link parseBuilderArgs}: one `-name=value`
 * (Go syntax, §1.1) per flag that is required (`-buildpackOrder`) or differs from its default, in the
 * table's order. A field left out is the flag's default. A path is passed as given: the builder
 * cleans it (§2.1), so `parseBuilderArgs(builderArgs(c))` gives `c` for a config with clean paths.
 */
export function builderArgs(config: Partial<BuilderConfig> & Pick<BuilderConfig, 'buildpackOrder'>): string[] {
  const args: string[] = [];
  for (const def of BUILDER_FLAGS) {
    const value = config[fieldOf(def.name)];
    if (value === undefined) continue;
    const text = flagText(def, value);
    if (def.name === 'buildpackOrder' || text !== flagText(def, def.default as BuilderConfig[keyof BuilderConfig])) args.push(`-${def.name}=${text}`);
  }
  return args;
}
