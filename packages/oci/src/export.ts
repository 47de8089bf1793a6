// droplet export: a droplet as an OCI image, written without any container engine. Three layers —
// the stack rootfs, the lifecycle at /tmp/lifecycle, the droplet at /home/vcap — a config that starts
// the web process with the launcher, an image layout and its tar (an oci-archive). Everything is
// reproducible: the same droplet, stack, lifecycle and metadata give the same digests.
import fs from 'node:fs';
import path from 'node:path';
import { STAGING_METADATA_PATH, stagingSetNames } from '@cf-lifecycle/contract';
import { writeArchive } from './archive.ts';
import { OciError } from './errors.ts';
import { hexOf } from './hashing.ts';
import { EPOCH, dropletConfig, dropletManifest, layerDescriptor } from './image-config.ts';
import { stagingFacts } from './labels.ts';
import { dropletLayer } from './layers/droplet.ts';
import { lifecycleLayer } from './layers/lifecycle.ts';
import { stackLayer, type StackInput } from './layers/stack.ts';
import { Layout } from './layout.ts';
import { OCI_LIMITS, readTextCapped } from './limits.ts';
import { ANNOTATION_REF_NAME, MEDIA_TYPE_CONFIG, MEDIA_TYPE_MANIFEST } from './media-types.ts';
import { defaultReference, imageReference } from './reference.ts';

export interface Log {
  info: (message: string) => void;
}

export interface ExportOptions {
  /** The stack to run on (a `Stack` of @cf-lifecycle/stack fits). */
  stack: StackInput;
  /** The lifecycle bundle directory (dist/lifecycle). */
  lifecycleDir: string;
  /** Where the oci-archive (IMAGE.tar) goes. */
  output: string;
  /** NAME[:TAG] written into index.json (default: the droplet's file name, tag latest). */
  tag?: string;
  /** Also keep the image layout in this directory (created, or replaced if it holds a layout). */
  layout?: string;
  /** The staging metadata document, for a droplet without one inside (default: the set's `<droplet>.metadata.json`). */
  metadata?: Record<string, unknown>;
}

export interface ImageResult {
  manifestDigest: string;
  layers: { stack: string; lifecycle: string; droplet: string };
  /** The name in index.json. */
  reference: string;
}

function parseMetadata(text: string | undefined, where: string, log: Log): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  log.info(`ignoring ${where}: not a JSON object`);
  return undefined;
}

/** The staging metadata beside the droplet, under its cap; a file that cannot be read is reported and ignored, as a malformed one is. */
function readBeside(file: string, log: Log): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return readTextCapped(file, OCI_LIMITS.metadataBytes, 'the staging metadata');
  } catch (error) {
    if (!(error instanceof OciError)) throw error;
    log.info(`ignoring ${error.message}`);
    return undefined;
  }
}

/** The layout directory to write: a fresh sibling of `target` when that already holds a layout (swapped in at the end). */
function prepareLayoutDir(target: string): { dir: string; commit: () => void; abort: () => void } {
  if (!fs.existsSync(target) || fs.readdirSync(target).length === 0) {
    const existed = fs.existsSync(target);
    fs.mkdirSync(target, { recursive: true });
    const abort = () => {
      if (existed) for (const name of fs.readdirSync(target)) fs.rmSync(path.join(target, name), { recursive: true, force: true });
      else fs.rmSync(target, { recursive: true, force: true });
    };
    return { dir: target, commit: () => undefined, abort };
  }
  if (!fs.existsSync(path.join(target, 'oci-layout'))) {
    throw new OciError(`--layout ${target} is neither empty nor an OCI image layout: pass a new directory`);
  }
  const dir = fs.mkdtempSync(`${target}.new-`);
  return {
    dir,
    commit: () => {
      const old = `${dir}.old`;
      fs.renameSync(target, old);
      fs.renameSync(dir, target);
      fs.rmSync(old, { recursive: true, force: true });
    },
    abort: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Every failure leaves as an OciError with one line: an unexpected one (a full disk) is named as such. */
export function asOciError(error: unknown, what: string): OciError {
  if (error instanceof OciError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return new OciError(`${what} failed: ${message}`, { cause: error });
}

/** Promise.all that waits for every promise before failing, so nothing still writes into a directory being removed. */
async function allSettled<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

export async function exportCommand(droplet: string, opts: ExportOptions, log: Log): Promise<ImageResult> {
  const output = path.resolve(opts.output);
  const outputDir = path.dirname(output);
  if (!fs.existsSync(outputDir)) throw new OciError(`cannot write ${output}: ${outputDir} does not exist`);
  if (!fs.existsSync(droplet)) throw new OciError(`the droplet ${droplet} does not exist`);
  // Anything but a regular file (a FIFO, /dev/zero) is refused before the output directory is touched.
  if (!fs.statSync(droplet).isFile()) throw new OciError(`the droplet ${droplet} is not a regular file`);
  const reference = opts.tag !== undefined ? imageReference(opts.tag) : defaultReference(droplet);

  const work = fs.mkdtempSync(path.join(outputDir, '.droplet-export-'));
  let layoutTarget: { dir: string; commit: () => void; abort: () => void } | undefined;
  try {
    layoutTarget =
      opts.layout !== undefined
        ? prepareLayoutDir(path.resolve(opts.layout))
        : { dir: path.join(work, 'layout'), commit: () => undefined, abort: () => undefined };
    const layout = Layout.create(layoutTarget.dir);
    log.info(`exporting ${droplet} on ${opts.stack.name} ${opts.stack.version} as ${reference}`);

    // zlib compresses on libuv's thread pool, so the three layers are made side by side.
    const [stack, lifecycle, dropletBlob] = await allSettled([
      stackLayer(layout, opts.stack, (m) => log.info(m)),
      lifecycleLayer(layout, opts.lifecycleDir),
      dropletLayer(layout, droplet, work),
    ] as const);
    log.info(`lifecycle layer ${lifecycle.digest}`);
    log.info(`droplet layer ${dropletBlob.digest}`);

    const besideFile = stagingSetNames(droplet).metadata;
    // The copy inside the droplet comes first: with it the image depends on the droplet alone (the
    // copy beside it was finished later, after packaging, so its finishedAt differs).
    const metadata =
      parseMetadata(dropletBlob.stagingMetadata, `${droplet}: ./${STAGING_METADATA_PATH}`, log) ??
      opts.metadata ??
      parseMetadata(readBeside(besideFile, log), besideFile, log);
    const facts = stagingFacts(metadata, dropletBlob.stagingInfo);
    if (facts.stagedOn?.name !== undefined && facts.stagedOn.name !== opts.stack.name) {
      log.info(`note: the droplet was staged on ${facts.stagedOn.name}, the image runs it on ${opts.stack.name}`);
    }

    const config = dropletConfig({
      created: facts.finishedAt ?? EPOCH,
      stack: { name: opts.stack.name, version: opts.stack.version, sha256: stack.stackSha256 },
      stackLayer: stack,
      lifecycleLayer: lifecycle,
      lifecycleVersion: lifecycle.buildStamp ?? lifecycle.diffId,
      dropletLayer: dropletBlob,
      dropletSha256: hexOf(dropletBlob.dropletDigest),
      facts,
    });
    const configDescriptor = layout.writeJson(config, MEDIA_TYPE_CONFIG);
    const manifest = dropletManifest(configDescriptor, [
      layerDescriptor(stack, 'stack'),
      layerDescriptor(lifecycle, 'lifecycle'),
      layerDescriptor(dropletBlob, 'droplet'),
    ]);
    const manifestDescriptor = layout.writeJson(manifest, MEDIA_TYPE_MANIFEST);
    layout.writeIndex([{ ...manifestDescriptor, annotations: { [ANNOTATION_REF_NAME]: reference } }]);

    await writeArchive(layout, output);
    layoutTarget.commit();
    log.info(`wrote ${output} (manifest ${manifestDescriptor.digest})`);
    return {
      manifestDigest: manifestDescriptor.digest,
      layers: { stack: stack.digest, lifecycle: lifecycle.digest, droplet: dropletBlob.digest },
      reference,
    };
  } catch (error) {
    layoutTarget?.abort();
    throw asOciError(error, 'droplet export');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
