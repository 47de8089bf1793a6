// The app's dependencies, from every lockfile and manifest under the app directory and from the
// packages installed in its node_modules. A file that cannot be read or parsed is skipped with a
// warning: an SBOM with one manifest missing beats a failed staging.
import { statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { formatCap, readTextBounded } from '@cf-lifecycle/files';
import { displayName, joinBytes } from './byte-paths.ts';
import { dedupeDependencies, type Dependency } from './dependency.ts';
import { parseComposerLock } from './manifests/composer.ts';
import { parseGoMod } from './manifests/go.ts';
import { parseJavaArchive } from './manifests/java.ts';
import { parseInstalledPackageJson, parsePackageLock } from './manifests/npm.ts';
import { parsePnpmLock } from './manifests/pnpm.ts';
import { parsePipfileLock, parsePoetryLock, parseRequirementsTxt } from './manifests/python.ts';
import { parseGemfileLock } from './manifests/ruby.ts';
import { parseYarnLock } from './manifests/yarn.ts';

type TextParser = (text: string, source: string) => Dependency[];

/** Lockfiles and manifests by file name. */
const MANIFESTS: ReadonlyMap<string, TextParser> = new Map([
  ['package-lock.json', parsePackageLock],
  ['npm-shrinkwrap.json', parsePackageLock],
  ['yarn.lock', parseYarnLock],
  ['pnpm-lock.yaml', parsePnpmLock],
  ['Gemfile.lock', parseGemfileLock],
  ['requirements.txt', parseRequirementsTxt],
  ['Pipfile.lock', parsePipfileLock],
  ['poetry.lock', parsePoetryLock],
  ['composer.lock', parseComposerLock],
  ['go.mod', parseGoMod],
]);

const JAVA_ARCHIVE = /\.(jar|war|ear)$/i;

/**
 * Lockfiles inside these directories belong to the dependencies themselves (a gem's own
 * Gemfile.lock under vendor/bundle), not to the app; archives there are still read.
 */
const NOT_THE_APPS_MANIFESTS = new Set(['vendor', 'bower_components', 'site-packages']);

export interface AppDependencyScan {
  dependencies: Dependency[];
  /** `<source>: <reason>` for each file that was skipped. */
  warnings: string[];
}

export async function appDependencies(appDir: string): Promise<Dependency[]> {
  return (await scanAppDependencies(appDir)).dependencies;
}

/**
 * What one manifest may weigh: a real lockfile is a few MiB at most. A larger file is skipped with a
 * warning, as is anything that is not a regular file (a FIFO or `/dev/zero` behind a `package.json`
 * symlink would hold staging or fill its memory).
 */
export const MANIFEST_LIMIT = 64 * 1024 * 1024;

const NO_BYTES = Buffer.alloc(0);

export async function scanAppDependencies(appDir: string): Promise<AppDependencyScan> {
  // Names stay bytes from readdir to open (byte-paths.ts): a directory whose name is not UTF-8 is
  // walked like any other.
  const root = Buffer.from(path.resolve(appDir));
  const found: Dependency[] = [];
  const warnings: string[] = [];
  const sourceOf = (rel: Buffer): string => `app/${displayName(rel)}`;
  const at = (rel: Buffer): Buffer => joinBytes(root, rel);
  const child = (rel: Buffer, name: string | Buffer): Buffer => joinBytes(rel, typeof name === 'string' ? Buffer.from(name) : name);

  async function readManifest(rel: Buffer, parse: TextParser): Promise<void> {
    const source = sourceOf(rel);
    try {
      found.push(...parse(readManifestText(at(rel)), source));
    } catch (err) {
      warnings.push(`${source}: ${(err as Error).message}`);
    }
  }

  async function readArchive(rel: Buffer): Promise<void> {
    const source = sourceOf(rel);
    try {
      found.push(...(await parseJavaArchive(at(rel), source)));
    } catch (err) {
      warnings.push(`${source}: ${(err as Error).message}`);
    }
  }

  // node_modules/<name>, node_modules/@scope/<name>, their own nested node_modules, and pnpm's
  // node_modules/.pnpm/<id>/node_modules/<name> (the top-level entries are symlinks into it).
  async function walkNodeModules(rel: Buffer): Promise<void> {
    for (const entry of await list(rel)) {
      if (!entry.isDirectory()) continue;
      const name = entry.name.toString('utf8');
      const dir = child(rel, entry.name);
      if (name === '.pnpm') {
        for (const store of await list(dir)) {
          if (store.isDirectory()) await walkNodeModules(child(child(dir, store.name), 'node_modules'));
        }
      } else if (name.startsWith('@')) {
        for (const scoped of await list(dir)) if (scoped.isDirectory()) await installedPackage(child(dir, scoped.name));
      } else if (!name.startsWith('.')) {
        await installedPackage(dir);
      }
    }
  }

  async function installedPackage(rel: Buffer): Promise<void> {
    const manifest = child(rel, 'package.json');
    try {
      await fs.access(at(manifest));
      await readManifest(manifest, parseInstalledPackageJson);
    } catch {
      // A directory without package.json is not a package.
    }
    await walkNodeModules(child(rel, 'node_modules'));
  }

  async function list(rel: Buffer): Promise<Array<import('node:fs').Dirent<Buffer>>> {
    try {
      const entries = await fs.readdir(at(rel), { withFileTypes: true, encoding: 'buffer' });
      return entries.sort((a, b) => Buffer.compare(a.name, b.name));
    } catch {
      return [];
    }
  }

  async function walk(rel: Buffer, appsOwn: boolean): Promise<void> {
    for (const entry of await list(rel)) {
      const name = entry.name.toString('utf8');
      const here = child(rel, entry.name);
      if (entry.isDirectory()) {
        if (name === '.git') continue;
        if (name === 'node_modules') await walkNodeModules(here);
        else await walk(here, appsOwn && !NOT_THE_APPS_MANIFESTS.has(name));
      } else if (entry.isFile()) {
        const parse = MANIFESTS.get(name);
        if (parse && appsOwn) await readManifest(here, parse);
        else if (JAVA_ARCHIVE.test(name)) await readArchive(here);
      }
    }
  }

  await walk(NO_BYTES, true);
  return { dependencies: dedupeDependencies(found), warnings };
}

/** A manifest's text, if it is a regular file (links followed) of at most MANIFEST_LIMIT bytes. */
function readManifestText(file: Buffer): string {
  const st = statSync(file);
  if (!st.isFile()) throw new Error('not a regular file; skipped');
  if (st.size > MANIFEST_LIMIT) throw new Error(`${st.size} bytes, more than the ${formatCap(MANIFEST_LIMIT)} read; skipped`);
  // Bounded again as it is read: the file may have been replaced or grown since.
  return readTextBounded(file, { maxBytes: MANIFEST_LIMIT, what: 'the file' });
}
