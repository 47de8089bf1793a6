// What `scan`, `advise` and `inspect` read: droplets (gzip tarballs holding
// ./.cf-lifecycle/staging-metadata.json), staging metadata files (`-outputStagingMetadata`), and
// directories holding any number of both, walked recursively (without following symbolic links, at
// most LIMITS.walkFiles files). Every file is opened as a regular file and read under its cap.
import fs from 'node:fs';
import {
  STAGING_METADATA_PATH,
  StagingMetadataError,
  dropletOfMetadataFile,
  looksLikeStagingMetadata,
  parseStagingMetadata,
  toStagingMetadata,
  type StagingMetadata,
} from '@cf-lifecycle/contract';
import { FileInputError, walkFiles } from '@cf-lifecycle/files';
import { TarFormatError } from '@cf-lifecycle/tar';
import { openInput, readOpened, readOpenedDroplet } from './droplet.ts';
import { InputError, LIMITS, neitherDropletNorMetadata } from './limits.ts';
import { checkSet, type StagingSet } from './staging-set.ts';

export { InputError } from './limits.ts';

export interface Target {
  path: string;
  kind: 'droplet' | 'metadata';
  metadata: StagingMetadata;
  /** The staging's other files (docs/scanning.md, "Mixed sets"), when the target is part of a set. */
  set?: StagingSet;
}

/**
 * Loads every target under `paths`. A path named explicitly must be a droplet or a metadata file
 * (else InputError); inside a directory, JSON that is not staging metadata and files that are not
 * gzip are skipped silently, and unreadable droplets with a warning. A droplet whose metadata is
 * also present as a metadata file (the copy the builder writes beside it) is read once.
 */
export async function loadTargets(paths: readonly string[], warn: (message: string) => void): Promise<Target[]> {
  const targets: Target[] = [];
  await forEachTarget(paths, warn, (t) => {
    targets.push(t);
  });
  return targets;
}

/**
 * The same walk as {@link loadTargets}, handing each target to `visit` as soon as it is read, so
 * that a scan of thousands of droplets never holds more than one metadata document at a time.
 */
export async function forEachTarget(paths: readonly string[], warn: (message: string) => void, visit: (target: Target) => void | Promise<void>): Promise<void> {
  const identities = new Set<string>();
  // Droplets whose whole set was already checked through the metadata file beside them.
  const covered = new Set<string>();
  const add = async (target: Target): Promise<void> => {
    if (target.kind === 'metadata' && target.set?.status === 'consistent' && target.set.files.includes(target.set.droplet)) covered.add(target.set.droplet);
    const id = identity(target.metadata);
    if (id !== undefined) {
      if (identities.has(id)) return;
      identities.add(id);
    }
    await visit(target);
  };

  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new InputError(`${p}: no such file or directory`);
    }
    if (!stat.isDirectory()) {
      await add(await loadFile(p));
      continue;
    }
    const files = walk(p);
    const droplets: string[] = [];
    // Metadata files first, so that the droplets they describe are recognised and not reopened.
    for (const file of files) {
      if (file.endsWith('.json')) {
        let target: Target | undefined;
        try {
          target = await loadMetadataFile(file, { onlyMetadata: true });
        } catch (err) {
          warn(`${file}: skipped: ${(err as Error).message}`);
          continue;
        }
        if (target) await add(target);
      } else {
        droplets.push(file);
      }
    }
    for (const file of droplets) {
      if (covered.has(file)) continue;
      let target: Target | undefined;
      try {
        target = await loadDroplet(file, { onlyGzip: true });
      } catch (err) {
        warn(`${file}: skipped: ${(err as Error).message}`);
        continue;
      }
      if (target) await add(target);
    }
  }
}

/** A path named explicitly: a droplet or a staging metadata file, else InputError. */
export async function loadFile(file: string): Promise<Target> {
  try {
    const target = (await loadDroplet(file, { onlyGzip: true })) ?? (await loadMetadataFile(file, { onlyMetadata: false }));
    return target!;
  } catch (err) {
    if (err instanceof InputError) throw err;
    if (err instanceof StagingMetadataError || err instanceof TarFormatError) throw new InputError(`${file}: ${err.message}`);
    throw new InputError(`${file}: ${(err as Error).message}`);
  }
}

/** A droplet; undefined (with `onlyGzip`) when the file is not gzip. */
async function loadDroplet(file: string, opts: { onlyGzip: boolean }): Promise<Target | undefined> {
  const input = openInput(file);
  try {
    if (!input.gzip) {
      if (opts.onlyGzip) return undefined;
      throw new InputError(`${file}: not a droplet: it does not start with gzip's magic bytes`);
    }
    const contents = await readOpenedDroplet(input, file);
    if (contents.metadata === undefined) {
      throw new InputError(`${file}: a droplet without ./${STAGING_METADATA_PATH} (staged by another lifecycle?)`);
    }
    const metadata = parseStagingMetadata(contents.metadata);
    const set = await checkSet({ droplet: file, embedded: metadata, dropletSize: contents.size });
    return { path: file, kind: 'droplet', metadata, set };
  } finally {
    fs.closeSync(input.fd);
  }
}

/**
 * A staging metadata file; with `onlyMetadata` (a directory walk), JSON that is not staging metadata
 * gives undefined. A file named `DROPLET.metadata.json` is checked against the rest of its set; the
 * droplet is read for its staging id only when the metadata has one (a lifecycle that writes ids puts
 * the metadata first in the droplet, so that read is short).
 */
async function loadMetadataFile(file: string, opts: { onlyMetadata: boolean }): Promise<Target | undefined> {
  const input = openInput(file);
  let text: string;
  try {
    if (input.size > LIMITS.metadataBytes && !opts.onlyMetadata) {
      throw new InputError(`${file}: ${neitherDropletNorMetadata(input.size)}`);
    }
    text = readOpened(input, file, LIMITS.metadataBytes);
  } finally {
    fs.closeSync(input.fd);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new StagingMetadataError(`invalid JSON: ${(err as Error).message}`);
  }
  if (opts.onlyMetadata && !looksLikeStagingMetadata(doc)) return undefined;
  const metadata = toStagingMetadata(doc);
  const droplet = dropletOfMetadataFile(file);
  const target: Target = { path: file, kind: 'metadata', metadata };
  if (droplet !== undefined) target.set = await checkSet({ droplet, beside: metadata, readEmbedded: typeof metadata.stagingId === 'string' });
  return target;
}

// The same staging seen twice: in the droplet and in the copy beside it. Its staging id when it has
// one; else the same app bits staged at the same instant (the copy beside the droplet is finished
// after packaging, so finishedAt differs).
function identity(m: StagingMetadata): string | undefined {
  if (typeof m.stagingId === 'string' && m.stagingId !== '') return `id\0${m.stagingId}`;
  if (!m.app?.digest || !m.staging?.startedAt) return undefined;
  return `${m.app.name ?? ''}\0${m.app.digest}\0${m.staging.startedAt}`;
}

/** Regular files under `dir`, sorted; symbolic links are not followed. */
function walk(dir: string): string[] {
  try {
    return walkFiles(dir, { maxFiles: LIMITS.walkFiles, tooMany: 'name fewer or smaller directories' });
  } catch (err) {
    throw err instanceof FileInputError ? new InputError(err.message) : err;
  }
}
