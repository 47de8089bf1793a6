// End-to-end helpers for staging hooks: stage with the BUILT builder and read what it recorded.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILDER, ROOT, Workspace, copyDir, type RunResult } from '../helpers/stage.ts';

export const HOOK_FIXTURES = path.join(ROOT, 'buildpacks-fixtures', 'hooks');
export const EXAMPLES = path.join(HOOK_FIXTURES, 'examples');

/**
 * Whether the built builder has the hooks flags. Until it does, these tests are skipped (with a
 * note) rather than failing every run of the suite.
 */
const BUILDER_HELP = (() => {
  if (!fs.existsSync(BUILDER)) return '';
  const help = spawnSync(BUILDER, ['-help'], { encoding: 'utf8' });
  return `${help.stdout}${help.stderr}`;
})();
export const BUILDER_HAS_HOOKS = BUILDER_HELP.includes('-hooksDir');
/** Without the flag, the staging metadata is read from the droplet. */
const BUILDER_HAS_STAGING_METADATA_FLAG = BUILDER_HELP.includes('-outputStagingMetadata');
if (!BUILDER_HAS_HOOKS) process.stderr.write('test/hooks: the built builder has no -hooksDir flag yet; skipping the end-to-end hook tests\n');

/** A workspace staging `app` (a fixture of buildpacks-fixtures/apps, or of buildpacks-fixtures/hooks/apps) with always-detects. */
export class HooksWorkspace extends Workspace {
  readonly stagingMetadataFile: string;

  constructor(app: string = 'simple', opts: { hooksApp?: boolean } = {}) {
    super(opts.hooksApp ? null : app);
    if (opts.hooksApp) {
      fs.rmSync(this.buildDir, { recursive: true, force: true });
      copyDir(path.join(HOOK_FIXTURES, 'apps', app), this.buildDir);
    }
    this.stagingMetadataFile = path.join(this.root, 'out', 'staging-metadata.json');
    this.installBuildpack('always-detects');
  }

  /** A path in the workspace, outside the app and the outputs. */
  file(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  /** Stages with always-detects and the hook flags given. */
  stageWithHooks(opts: { hooksDir?: string; hooksConfig?: string; extra?: string[]; env?: Record<string, string> } = {}): Promise<RunResult> {
    const extra = [...(BUILDER_HAS_STAGING_METADATA_FLAG ? [`-outputStagingMetadata=${this.stagingMetadataFile}`] : []), ...(opts.extra ?? [])];
    if (opts.hooksDir) extra.push(`-hooksDir=${opts.hooksDir}`);
    if (opts.hooksConfig) extra.push(`-hooksConfig=${opts.hooksConfig}`);
    return this.stage(['always-detects'], { extra, env: opts.env });
  }

  /** The staging metadata: the file written with -outputStagingMetadata, else the copy in the droplet. */
  stagingMetadata(): Record<string, unknown> {
    if (fs.existsSync(this.stagingMetadataFile)) return JSON.parse(fs.readFileSync(this.stagingMetadataFile, 'utf8'));
    return JSON.parse(this.dropletFile('./.cf-lifecycle/staging-metadata.json'));
  }

  hookRecords(): Array<Record<string, unknown>> {
    const hooks = this.stagingMetadata().hooks;
    if (!Array.isArray(hooks)) throw new Error('the staging metadata has no hooks list');
    return hooks;
  }

  /** Every text output of the staging: result.json, the staging metadata and the droplet's metadata members. */
  writtenOutputs(): string {
    const texts: string[] = [];
    for (const file of [this.outputMetadata, this.stagingMetadataFile]) if (fs.existsSync(file)) texts.push(fs.readFileSync(file, 'utf8'));
    if (fs.existsSync(this.outputDroplet)) {
      for (const member of this.dropletListing()) {
        if (/^\.\/(staging_info\.yml|\.cf-lifecycle\/.+)$/.test(member)) texts.push(this.dropletFile(member));
      }
    }
    return texts.join('\n');
  }
}

/** Writes an executable bash hook into DIR/<phase>/<name>. */
export function writeHook(dir: string, phase: string, name: string, body: string): string {
  const file = path.join(dir, phase, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  return file;
}

export function writeText(file: string, text: string, mode = 0o644): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
  return file;
}

/** The last non-empty line of a text. */
export function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

export function listTar(file: string): string[] {
  return execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
}
