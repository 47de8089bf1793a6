// Diego's conventions for the buildpack lifecycle: where the bundle and the staging files live in a
// container, who runs them, and how an app instance is started (ANCHORS §1.1 staging Task, §1.2
// running LRP; CONTRACT §2.1). Every other package takes these from here.
//
// No imports, and nothing but constants and plain functions: the stack package loads this file
// directly under Node's type stripping (`@cf-lifecycle/contract/diego`).

/** Where the orchestrator unpacks the lifecycle bundle in every staging and app container. */
export const LIFECYCLE_DIR = '/tmp/lifecycle';

/** The executables of the bundle, by name (ANCHORS §1.2: launcher, healthcheck; §1.1: builder). */
export const LIFECYCLE_EXECUTABLES = ['builder', 'getenv', 'healthcheck', 'launcher', 'shell'] as const;
export type LifecycleExecutable = (typeof LIFECYCLE_EXECUTABLES)[number];

/** The path of one executable inside a container: `/tmp/lifecycle/builder`. */
export function lifecyclePath(name: LifecycleExecutable): string {
  return `${LIFECYCLE_DIR}/${name}`;
}

/** The builder's files in a staging container, under `/tmp` (ANCHORS §1.1; the builder's flag defaults). */
export const STAGING_PATH_NAMES = {
  buildDir: 'app',
  outputDroplet: 'droplet',
  outputMetadata: 'result.json',
  outputBuildArtifactsCache: 'output-cache',
  buildpacksDir: 'buildpacks',
  buildpacksDownloadDir: 'buildpackdownloads',
  buildArtifactsCacheDir: 'cache',
} as const;
export type StagingPathName = keyof typeof STAGING_PATH_NAMES;

/**
 * The staging files under `root`: Diego's (`/tmp/app`, `/tmp/droplet`, …) for `/tmp`, the same layout
 * elsewhere for a builder run on the host (`droplet stage --host`).
 */
export function stagingPaths(root = '/tmp'): Record<StagingPathName, string> {
  const prefix = root.endsWith('/') ? root.slice(0, -1) : root;
  return Object.fromEntries(Object.entries(STAGING_PATH_NAMES).map(([flag, name]) => [flag, `${prefix}/${name}`])) as Record<StagingPathName, string>;
}

/** Diego's staging paths, the defaults of the builder's flags. */
export const STAGING_PATHS = stagingPaths();

/** vcap's home: the working directory of staging and of an app instance, where the droplet is extracted. */
export const VCAP_HOME = '/home/vcap';

/** vcap, the user the lifecycle and apps run as in every Cloud Foundry stack. */
export const VCAP_UID = 2000;
export const VCAP_GID = 2000;

/** The app directory inside the droplet, relative to vcap's home (the launcher's first argument). */
export const APP_DIR = 'app';

/**
 * The launcher's arguments as Diego's LRP gives them (ANCHORS §1.2): the app directory, the start
 * command (empty: the droplet's own, from staging_info.yml) and the execution metadata, which the
 * launcher never reads (CONTRACT §3.1, quirk Q23).
 */
export function launcherArgs(startCommand: string, metadata = '{}'): [string, string, string] {
  return [APP_DIR, startCommand, metadata];
}

/** The stack staged on and run on when none is named: CF_STACK, the stack the CLI builds. */
export const DEFAULT_STACK = 'cflinuxfs2';
