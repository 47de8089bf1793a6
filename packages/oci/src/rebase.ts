// droplet rebase: the image on another stack without restaging. Only the stack layer changes — its
// blob, its diff_id, its history entry and the stack labels; the lifecycle and droplet layers keep
// their digests. The result is byte for byte what `droplet export` gives for the same droplet on the
// new stack (the CNB "rebase" idea: kpack does it when only the run image changed).
import fs from 'node:fs';
import path from 'node:path';
import { extractArchive, writeArchive } from './archive.ts';
import { OciError } from './errors.ts';
import { asOciError, type ImageResult, type Log } from './export.ts';
import { LAYER_ROLES, layerDescriptor, withStack, type LayerRole } from './image-config.ts';
import { LABEL, redactBuildpacksLabel } from './labels.ts';
import { stackLayer, type StackInput } from './layers/stack.ts';
import { Layout } from './layout.ts';
import { ANNOTATION_LAYER_ROLE, ANNOTATION_REF_NAME, MEDIA_TYPE_CONFIG, MEDIA_TYPE_MANIFEST, type ImageConfig, type Manifest } from './media-types.ts';

export interface RebaseOptions {
  /** The new stack. */
  stack: StackInput;
  /** Where the rebased image goes (default: the image itself, replaced atomically). */
  output?: string;
}

/** The role of each layer: our annotations, else the order export writes them in. */
function layerRoles(manifest: Manifest): LayerRole[] {
  const annotated = manifest.layers.map((layer) => layer.annotations?.[ANNOTATION_LAYER_ROLE]);
  if (annotated.every((role): role is LayerRole => LAYER_ROLES.includes(role as LayerRole))) return annotated;
  if (manifest.layers.length === LAYER_ROLES.length) return [...LAYER_ROLES];
  throw new OciError(`the image has ${manifest.layers.length} layers without droplet export's annotations: rebase needs an image written by droplet export`);
}

export async function rebaseCommand(image: string, opts: RebaseOptions, log: Log): Promise<ImageResult> {
  const input = path.resolve(image);
  if (!fs.existsSync(input)) throw new OciError(`the image ${image} does not exist: pass the tar written by droplet export`);
  if (fs.statSync(input).isDirectory()) throw new OciError(`${image} is a directory: pass the image tar written by droplet export -o IMAGE.tar`);
  // A FIFO or a device is refused here, before a work directory is made (extractArchive checks the descriptor again).
  if (!fs.statSync(input).isFile()) throw new OciError(`${image} is not a regular file: pass the image tar written by droplet export -o IMAGE.tar`);
  const output = path.resolve(opts.output ?? input);
  if (!fs.existsSync(path.dirname(output))) throw new OciError(`cannot write ${output}: ${path.dirname(output)} does not exist`);

  const work = fs.mkdtempSync(path.join(path.dirname(output), '.droplet-rebase-'));
  try {
    const layoutDir = path.join(work, 'layout');
    fs.mkdirSync(layoutDir);
    await extractArchive(input, layoutDir);
    const layout = Layout.open(layoutDir);
    const index = layout.readIndex();
    if (index.manifests.length !== 1) throw new OciError(`${image} holds ${index.manifests.length} images: rebase needs exactly one`);
    const manifestDescriptor = index.manifests[0]!;
    if (manifestDescriptor.mediaType !== MEDIA_TYPE_MANIFEST)
      throw new OciError(`${image} is not a single OCI image manifest (${manifestDescriptor.mediaType})`);
    const manifest = layout.readJson<Manifest>(manifestDescriptor);
    const config = layout.readJson<ImageConfig>(manifest.config);
    const labels = config.config?.Labels ?? {};
    const oldName = labels[LABEL.stackName];
    if (oldName === undefined) throw new OciError(`${image} has no ${LABEL.stackName} label: rebase needs an image written by droplet export`);
    const roles = layerRoles(manifest);
    if (roles[0] !== 'stack' || roles.filter((r) => r === 'stack').length !== 1)
      throw new OciError(`${image}: the stack must be the first layer, and the only one`);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) throw new OciError(`${image}: the config's diff_ids do not match the manifest's layers`);

    const layer = await stackLayer(layout, opts.stack, (m) => log.info(m));
    const oldVersion = labels[LABEL.stackVersion] ?? '?';
    if (layer.digest === manifest.layers[0]!.digest) log.info(`${image} is already on ${opts.stack.name} ${opts.stack.version}: nothing changes`);
    else log.info(`rebasing from ${oldName} ${oldVersion} to ${opts.stack.name} ${opts.stack.version}`);

    const redactedConfig = structuredClone(config);
    const buildpacksLabel = redactedConfig.config?.Labels?.[LABEL.buildpacks];
    if (buildpacksLabel !== undefined) redactedConfig.config!.Labels![LABEL.buildpacks] = redactBuildpacksLabel(buildpacksLabel);
    const nextConfig = withStack(redactedConfig, { name: opts.stack.name, version: opts.stack.version, sha256: layer.stackSha256 }, layer);
    const configDescriptor = layout.writeJson(nextConfig, MEDIA_TYPE_CONFIG);
    const nextManifest: Manifest = {
      ...manifest,
      config: { ...manifest.config, digest: configDescriptor.digest, size: configDescriptor.size },
      layers: [layerDescriptor(layer, 'stack'), ...manifest.layers.slice(1)],
    };
    const nextDescriptor = layout.writeJson(nextManifest, MEDIA_TYPE_MANIFEST);
    const annotations = manifestDescriptor.annotations?.[ANNOTATION_REF_NAME] !== undefined ? { annotations: manifestDescriptor.annotations } : {};
    layout.writeIndex([{ ...nextDescriptor, ...annotations }]);
    layout.removeBlobsExcept(new Set([nextDescriptor.digest, configDescriptor.digest, ...nextManifest.layers.map((l) => l.digest)]));

    await writeArchive(layout, output);
    log.info(`wrote ${output} (manifest ${nextDescriptor.digest})`);
    const digestOf = (role: LayerRole) => nextManifest.layers[roles.indexOf(role)]?.digest ?? '';
    return {
      manifestDigest: nextDescriptor.digest,
      layers: { stack: digestOf('stack'), lifecycle: digestOf('lifecycle'), droplet: digestOf('droplet') },
      reference: manifestDescriptor.annotations?.[ANNOTATION_REF_NAME] ?? '',
    };
  } catch (error) {
    throw asOciError(error, 'droplet rebase');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
