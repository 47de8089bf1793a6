// npm: package-lock.json / npm-shrinkwrap.json (lockfile versions 1, 2 and 3) and the package.json
// of an installed package. Development dependencies (`dev: true`) are left out: `npm install
// --production` (what the Node.js buildpack runs) does not install them, so they are not shipped.
import { dependency, type Dependency } from '../dependency.ts';

export function parsePackageLock(text: string, source: string): Dependency[] {
  const lock = JSON.parse(text) as unknown;
  if (!isObject(lock)) throw new Error('not a JSON object');
  const deps: Dependency[] = [];
  if (isObject(lock.packages)) {
    // Lockfile v2/v3: keys are install paths; "" is the project itself, other paths outside
    // node_modules are workspace members (linked, not installed from the registry).
    for (const [location, entry] of Object.entries(lock.packages)) {
      if (!isObject(entry) || entry.link === true || entry.dev === true) continue;
      const at = location.lastIndexOf('node_modules/');
      if (at < 0) continue;
      const name = typeof entry.name === 'string' ? entry.name : location.slice(at + 'node_modules/'.length);
      const version = typeof entry.version === 'string' ? entry.version : '';
      if (name === '' || version === '') continue;
      deps.push(dependency('npm', name, version, source, { licenses: npmLicenses(entry) }));
    }
    return deps;
  }
  // Lockfile v1: a tree of `dependencies`.
  const walk = (tree: unknown): void => {
    if (!isObject(tree)) return;
    for (const [name, entry] of Object.entries(tree)) {
      if (!isObject(entry)) continue;
      if (entry.dev !== true && typeof entry.version === 'string' && !isLocalSpec(entry.version)) {
        deps.push(dependency('npm', aliasedName(name, entry.version), aliasedVersion(entry.version), source));
      }
      walk(entry.dependencies);
    }
  };
  walk(lock.dependencies);
  return deps;
}

/** The package.json of an installed package (`node_modules/<name>/package.json`). */
export function parseInstalledPackageJson(text: string, source: string): Dependency[] {
  const pkg = JSON.parse(text) as unknown;
  if (!isObject(pkg) || typeof pkg.name !== 'string' || typeof pkg.version !== 'string') return [];
  if (pkg.name === '' || pkg.version === '') return [];
  return [dependency('npm', pkg.name, pkg.version, source, { licenses: npmLicenses(pkg) })];
}

/** `license: "MIT"`, the deprecated `license: {type}` and `licenses: [{type}]` forms. */
export function npmLicenses(pkg: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    else if (isObject(value) && typeof value.type === 'string') out.push(value.type);
  };
  add(pkg.license);
  if (Array.isArray(pkg.licenses)) pkg.licenses.forEach(add);
  else add(pkg.licenses);
  return out.filter((l) => l !== 'UNLICENSED' && !l.startsWith('SEE LICENSE IN'));
}

// v1 records an alias `"foo": {"version": "npm:bar@1.0.0"}`.
function aliasedName(name: string, version: string): string {
  if (!version.startsWith('npm:')) return name;
  const spec = version.slice(4);
  const at = spec.lastIndexOf('@');
  return at > 0 ? spec.slice(0, at) : name;
}

function aliasedVersion(version: string): string {
  if (!version.startsWith('npm:')) return version;
  return version.slice(version.lastIndexOf('@') + 1);
}

function isLocalSpec(version: string): boolean {
  return /^(file|link|git\+|git:|github:|https?:)/.test(version);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
