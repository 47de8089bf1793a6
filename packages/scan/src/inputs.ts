// What `scan`, `advise` and `inspect` read: droplets (gzip tarballs holding
// ./.cf-lifecycle/staging-metadata.json), staging metadata files (`-outputStagingMetadata`), and
// directories holding any number of both, walked recursively.
import fs from 'node:fs';
import path from 'node:path';
import { TarFormatError } from '@cf-lifecycle/tar';
import { isGzipFile, readDroplet } from './droplet.ts';
import { looksLikeStagingMetadata, MetadataError, parseStagingMetadata, toStagingMetadata, type StagingMetadata } from './metadata.ts';

export interface Target {
  path: string;
  kind: 'droplet' | 'metadata';
  metadata: StagingMetadata;
}

/** A path named on the command line that cannot be read as asked: exit status 2. */
export class InputError extends Error {}

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
  const add = async (target: Target): Promise<void> => {
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
        let doc: unknown;
        try {
          doc = JSON.parse(fs.readFileSync(file, 'utf8'));
        } catch (err) {
          warn(`${file}: skipped: ${(err as Error).message}`);
          continue;
        }
        if (looksLikeStagingMetadata(doc)) await add({ path: file, kind: 'metadata', metadata: toStagingMetadata(doc) });
      } else {
        droplets.push(file);
      }
    }
    for (const file of droplets) {
      let target: Target;
      try {
        if (!(await isGzipFile(file))) continue;
        target = await loadDroplet(file);
      } catch (err) {
        warn(`${file}: skipped: ${(err as Error).message}`);
        continue;
      }
      await add(target);
    }
  }
}

export async function loadFile(file: string): Promise<Target> {
  try {
    if (await isGzipFile(file)) return await loadDroplet(file);
    return { path: file, kind: 'metadata', metadata: parseStagingMetadata(fs.readFileSync(file, 'utf8')) };
  } catch (err) {
    if (err instanceof InputError) throw err;
    if (err instanceof MetadataError || err instanceof TarFormatError) throw new InputError(`${file}: ${err.message}`);
    throw new InputError(`${file}: ${(err as Error).message}`);
  }
}

async function loadDroplet(file: string): Promise<Target> {
  const contents = await readDroplet(file);
  if (contents.metadata === undefined) throw new InputError(`${file}: a droplet without ./.cf-lifecycle/staging-metadata.json (staged by another lifecycle?)`);
  return { path: file, kind: 'droplet', metadata: parseStagingMetadata(contents.metadata) };
}

// The same staging seen twice: in the droplet and in the copy beside it (whose finishedAt, taken
// after packaging, is later), so: the same app bits staged at the same instant.
function identity(m: StagingMetadata): string | undefined {
  if (!m.app?.digest || !m.staging?.startedAt) return undefined;
  return `${m.app.name ?? ''}\0${m.app.digest}\0${m.staging.startedAt}`;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile()) out.push(p);
    }
  };
  visit(dir);
  return out.sort();
}
