// The app's dependencies, from every lockfile and manifest under the app directory and from the
// packages installed in its node_modules. A file that cannot be read or parsed is skipped with a
// warning: an SBOM with one manifest missing beats a failed staging.
import fs from 'node:fs/promises';
import path from 'node:path';
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

export async function scanAppDependencies(appDir: string): Promise<AppDependencyScan> {
  const root = path.resolve(appDir);
  const found: Dependency[] = [];
  const warnings: string[] = [];
  const sourceOf = (rel: string): string => `app/${rel.split(path.sep).join('/')}`;

  async function readManifest(rel: string, parse: TextParser): Promise<void> {
    const source = sourceOf(rel);
    try {
      found.push(...parse(await fs.readFile(path.join(root, rel), 'utf8'), source));
    } catch (err) {
      warnings.push(`${source}: ${(err as Error).message}`);
    }
  }

  async function readArchive(rel: string): Promise<void> {
    const source = sourceOf(rel);
    try {
      found.push(...(await parseJavaArchive(path.join(root, rel), source)));
    } catch (err) {
      warnings.push(`${source}: ${(err as Error).message}`);
    }
  }

  // node_modules/<name>, node_modules/@scope/<name>, their own nested node_modules, and pnpm's
  // node_modules/.pnpm/<id>/node_modules/<name> (the top-level entries are symlinks into it).
  async function walkNodeModules(rel: string): Promise<void> {
    for (const entry of await list(rel)) {
      if (!entry.isDirectory()) continue;
      const child = path.join(rel, entry.name);
      if (entry.name === '.pnpm') {
        for (const store of await list(child)) {
          if (store.isDirectory()) await walkNodeModules(path.join(child, store.name, 'node_modules'));
        }
      } else if (entry.name.startsWith('@')) {
        for (const scoped of await list(child)) if (scoped.isDirectory()) await installedPackage(path.join(child, scoped.name));
      } else if (!entry.name.startsWith('.')) {
        await installedPackage(child);
      }
    }
  }

  async function installedPackage(rel: string): Promise<void> {
    const manifest = path.join(rel, 'package.json');
    try {
      await fs.access(path.join(root, manifest));
      await readManifest(manifest, parseInstalledPackageJson);
    } catch {
      // A directory without package.json is not a package.
    }
    await walkNodeModules(path.join(rel, 'node_modules'));
  }

  async function list(rel: string): Promise<import('node:fs').Dirent[]> {
    try {
      const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
      return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch {
      return [];
    }
  }

  async function walk(rel: string, appsOwn: boolean): Promise<void> {
    for (const entry of await list(rel)) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === '.git') continue;
        if (entry.name === 'node_modules') await walkNodeModules(child);
        else await walk(child, appsOwn && !NOT_THE_APPS_MANIFESTS.has(entry.name));
      } else if (entry.isFile()) {
        const parse = MANIFESTS.get(entry.name);
        if (parse && appsOwn) await readManifest(child, parse);
        else if (JAVA_ARCHIVE.test(entry.name)) await readArchive(child);
      }
    }
  }

  await walk('', true);
  return { dependencies: dedupeDependencies(found), warnings };
}
