// The image config and manifest. The stack's part of both (first layer, first diff_id, first history
// entry, stack labels) is applied by one function, used by export and by rebase alike: rebasing an
// image onto a stack gives the very bytes exporting the droplet on that stack gives.
import { LIFECYCLE_DIR, VCAP_GID, VCAP_HOME, VCAP_UID, launcherArgs, lifecyclePath } from '@cf-lifecycle/contract';
import { LABEL, type StagingFacts } from './labels.ts';
import type { LayerBlob } from './layout.ts';
import {
  ANNOTATION_LAYER_ROLE,
  MEDIA_TYPE_CONFIG,
  MEDIA_TYPE_LAYER_GZIP,
  MEDIA_TYPE_MANIFEST,
  type Descriptor,
  type ImageConfig,
  type Manifest,
} from './media-types.ts';

/** `created` when the staging recorded no finish time: the epoch, so the digest depends on the inputs only. */
export const EPOCH = '1970-01-01T00:00:00Z';
export const DEFAULT_PORT = 8080;
/** Diego's start: the launcher in the droplet's home, app directory `app`, no start command (the droplet's), no metadata. */
export const ENTRYPOINT = [lifecyclePath('launcher'), ...launcherArgs('')];
export const WORKING_DIR = VCAP_HOME;
export const USER = `${VCAP_UID}:${VCAP_GID}`;
export const ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=en_US.UTF-8', `PORT=${DEFAULT_PORT}`];
export const LAYER_ROLES = ['stack', 'lifecycle', 'droplet'] as const;
export type LayerRole = (typeof LAYER_ROLES)[number];

export interface StackFacts {
  name: string;
  version: string;
  sha256: string;
}

const history = (created: string, createdBy: string) => ({ created, created_by: createdBy });

/** The config of a droplet image; the stack's part is filled in by `withStack`. */
export function dropletConfig(parts: {
  created: string;
  stack: StackFacts;
  stackLayer: LayerBlob;
  lifecycleLayer: LayerBlob;
  lifecycleVersion: string;
  dropletLayer: LayerBlob;
  dropletSha256: string;
  facts: StagingFacts;
}): ImageConfig {
  const { created, facts } = parts;
  const labels: Record<string, string> = {
    [LABEL.buildpacks]: JSON.stringify(facts.buildpacks),
    [LABEL.lifecycleVersion]: parts.lifecycleVersion,
    [LABEL.dropletSha256]: parts.dropletSha256,
  };
  if (facts.sbomDigest) labels[LABEL.sbomDigest] = facts.sbomDigest;
  if (facts.startCommand) labels[LABEL.startCommand] = facts.startCommand;
  const config: ImageConfig = {
    created,
    architecture: 'amd64',
    os: 'linux',
    config: {
      User: USER,
      Env: [...ENV],
      Entrypoint: [...ENTRYPOINT],
      WorkingDir: WORKING_DIR,
      ExposedPorts: { [`${DEFAULT_PORT}/tcp`]: {} },
      Labels: labels,
    },
    rootfs: { type: 'layers', diff_ids: ['', parts.lifecycleLayer.diffId, parts.dropletLayer.diffId] },
    history: [
      history(created, ''),
      history(created, `droplet export: lifecycle ${parts.lifecycleVersion} at ${LIFECYCLE_DIR}`),
      history(created, `droplet export: droplet sha256:${parts.dropletSha256} at ${VCAP_HOME}`),
    ],
  };
  return withStack(config, parts.stack, parts.stackLayer);
}

/** The config with `stack` as its base: first diff_id, first history entry and the stack labels replaced. */
export function withStack(config: ImageConfig, stack: StackFacts, layer: LayerBlob): ImageConfig {
  const next: ImageConfig = structuredClone(config);
  next.rootfs.diff_ids[0] = layer.diffId;
  next.history = next.history ?? [];
  next.history[0] = history(next.created ?? EPOCH, `droplet export: stack ${stack.name} ${stack.version} (sha256:${stack.sha256})`);
  next.config = next.config ?? {};
  next.config.Labels = { ...next.config.Labels, [LABEL.stackName]: stack.name, [LABEL.stackVersion]: stack.version, [LABEL.stackSha256]: stack.sha256 };
  return next;
}

export function layerDescriptor(layer: LayerBlob, role: LayerRole): Descriptor {
  return { mediaType: MEDIA_TYPE_LAYER_GZIP, digest: layer.digest, size: layer.size, annotations: { [ANNOTATION_LAYER_ROLE]: role } };
}

export function dropletManifest(config: Descriptor, layers: Descriptor[]): Manifest {
  return { schemaVersion: 2, mediaType: MEDIA_TYPE_MANIFEST, config: { ...config, mediaType: MEDIA_TYPE_CONFIG }, layers };
}
