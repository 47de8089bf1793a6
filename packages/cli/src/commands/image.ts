// droplet export / rebase / k8s: droplets as OCI images (docs/oci.md).
import fs from 'node:fs';
import { EXIT, stagingSetNames } from '@cf-lifecycle/contract';
import { FileInputError, openRegularFile, readTextBounded } from '@cf-lifecycle/files';
import { METADATA_MAX_BYTES, OciError, exportCommand, k8sManifests, rebaseCommand } from '@cf-lifecycle/oci';
import { ensureStack, StackError, type Stack } from '@cf-lifecycle/stack';
import { CliError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { lifecycleDir } from '../paths.ts';
import { resolveStack } from '../stack.ts';

/** The stack a droplet was staged on, from the staging metadata written beside it by `droplet stage`. */
async function stagedStack(droplet: string, log: Logger): Promise<Stack> {
  let stack: { name?: string; profile?: string; version?: string } = {};
  const metadataFile = stagingSetNames(droplet).metadata;
  try {
    const doc = JSON.parse(readTextBounded(metadataFile, { maxBytes: METADATA_MAX_BYTES, what: 'the staging metadata' })) as { stack?: unknown };
    if (typeof doc.stack === 'object' && doc.stack !== null) stack = doc.stack as typeof stack;
  } catch (err) {
    const use = 'using the default stack (pass --stack to choose one)';
    if (!fs.existsSync(metadataFile)) log.warn(`no staging metadata beside ${droplet}: ${use}`);
    else if (err instanceof FileInputError) log.warn(`${err.message}: ${use}`);
    else log.warn(`${metadataFile} is not valid JSON: ${use}`);
  }
  if (typeof stack.name !== 'string') delete stack.name;
  if (typeof stack.version !== 'string') delete stack.version;
  try {
    const found = await ensureStack({
      ...(stack.name ? { name: stack.name } : {}),
      ...(stack.profile === 'full' || stack.profile === 'minimal' ? { profile: stack.profile } : {}),
      onProgress: (e) => log.progress(e.phase, e.message, e.percent),
    });
    log.done();
    if (stack.version && found.version !== stack.version)
      log.warn(`the droplet was staged on ${stack.name} ${stack.version}; exporting on ${found.name} ${found.version}`);
    return found;
  } catch (err) {
    log.done();
    if (err instanceof StackError) throw new CliError(err.message);
    throw err;
  }
}

function oci<T>(promise: Promise<T>): Promise<T> {
  return promise.catch((err: unknown) => {
    throw err instanceof OciError ? new CliError(err.message) : err;
  });
}

/** `file` is a regular file (not `/dev/zero`, a FIFO or a directory): checked before the stack is touched. */
function checkInputFile(file: string, what: string, missing: string): void {
  try {
    fs.closeSync(openRegularFile(file, { what }).fd);
  } catch (err) {
    if (!(err instanceof FileInputError)) throw err;
    throw new CliError(fs.existsSync(file) ? err.message : missing);
  }
}

export async function exportImage(droplet: string, opts: { stack?: string; output: string; tag?: string; layout?: string }, log: Logger): Promise<number> {
  checkInputFile(droplet, 'the droplet', `${droplet}: no such droplet file (stage one with \`droplet stage\`)`);
  const stack = opts.stack !== undefined ? await resolveStack(opts.stack, log) : await stagedStack(droplet, log);
  const result = await oci(
    exportCommand(
      droplet,
      { stack, lifecycleDir: lifecycleDir(), output: opts.output, ...(opts.tag ? { tag: opts.tag } : {}), ...(opts.layout ? { layout: opts.layout } : {}) },
      { info: (m) => log.info(m) },
    ),
  );
  log.info(`image ${result.reference} written to ${opts.output} (manifest ${result.manifestDigest})`);
  log.info(`layers: stack ${result.layers.stack}, lifecycle ${result.layers.lifecycle}, droplet ${result.layers.droplet}`);
  return EXIT.droplet.Success;
}

export async function rebaseImage(image: string, opts: { stack: string; output?: string }, log: Logger): Promise<number> {
  checkInputFile(image, 'the image', `${image}: no such image file (pass the tar written by droplet export)`);
  const stack = await resolveStack(opts.stack, log);
  const result = await oci(rebaseCommand(image, { stack, ...(opts.output ? { output: opts.output } : {}) }, { info: (m) => log.info(m) }));
  log.info(`rebased onto ${stack.name} ${stack.version}: manifest ${result.manifestDigest}; droplet layer ${result.layers.droplet} unchanged`);
  return EXIT.droplet.Success;
}

export function k8s(
  image: string,
  opts: { name: string; replicas: number; port: number; stackImage?: string; buildpack: string[]; healthCheckEndpoint?: string },
): number {
  try {
    process.stdout.write(
      k8sManifests({
        image,
        name: opts.name,
        replicas: opts.replicas,
        port: opts.port,
        ...(opts.stackImage ? { stackImage: opts.stackImage } : {}),
        ...(opts.buildpack.length ? { buildpacks: opts.buildpack } : {}),
        ...(opts.healthCheckEndpoint ? { healthCheckEndpoint: opts.healthCheckEndpoint } : {}),
      }),
    );
  } catch (err) {
    if (err instanceof OciError) throw new CliError(err.message);
    throw err;
  }
  return EXIT.droplet.Success;
}
