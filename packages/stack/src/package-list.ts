// rootfs/packages.list: the stack's settings and each profile's Debian packages. The same rules as
// rootfs/list-packages.sh, which docker/Dockerfile.stack runs (test/stack/docker.test.ts keeps them equal).
import { createHash } from 'node:crypto';
import { StackError } from './errors.ts';

export type Profile = 'minimal' | 'full';
export const PROFILES: readonly Profile[] = ['minimal', 'full'];

export interface PackageList {
  /** The stack's version (`version` setting), written into the rootfs and the artifact names. */
  version: string;
  /** The Debian suite the rootfs is built from (`suite` setting). */
  suite: string;
  /** Packages of each section, in file order. */
  sections: Record<Profile, string[]>;
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+~-]*$/;

export function isProfile(value: unknown): value is Profile {
  return value === 'minimal' || value === 'full';
}

export function parsePackageList(text: string, source = 'rootfs/packages.list'): PackageList {
  const settings = new Map<string, string>();
  const sections: Record<Profile, string[]> = { minimal: [], full: [] };
  const seen = new Map<string, number>();
  let section: Profile | undefined;
  const fail = (lineNo: number | undefined, what: string): never => {
    const where = lineNo === undefined ? source : `${source}:${lineNo}`;
    throw new StackError(`${where}: ${what}: fix the package list (format in rootfs/README.md)`);
  };

  text.split('\n').forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const header = /^\[(.*)\]$/.exec(line);
    if (header) {
      const name = header[1] ?? '';
      if (!isProfile(name)) fail(lineNo, `unknown section [${name}] (expected [minimal] or [full])`);
      section = name as Profile;
      return;
    }
    const words = line.split(/\s+/);
    if (section === undefined) {
      if (words.length !== 2) fail(lineNo, `expected a setting "KEY VALUE", got "${line}"`);
      const [key = '', value = ''] = words;
      if (key !== 'version' && key !== 'suite') fail(lineNo, `unknown setting "${key}" (expected version or suite)`);
      settings.set(key, value);
      return;
    }
    if (words.length !== 1) fail(lineNo, `expected one package name per line, got "${line}"`);
    const name = words[0] ?? '';
    if (!PACKAGE_NAME.test(name)) fail(lineNo, `"${name}" is not a Debian package name`);
    const previous = seen.get(name);
    if (previous !== undefined) fail(lineNo, `${name} is listed twice (first on line ${previous})`);
    seen.set(name, lineNo);
    sections[section].push(name);
  });

  const version = settings.get('version');
  const suite = settings.get('suite');
  if (version === undefined || !VERSION.test(version)) fail(undefined, 'missing or invalid "version" setting');
  if (suite === undefined || !/^[a-z]+$/.test(suite)) fail(undefined, 'missing or invalid "suite" setting');
  if (sections.minimal.length === 0) fail(undefined, 'the [minimal] section lists no package');
  return { version: version as string, suite: suite as string, sections };
}

/** The packages a profile installs: [minimal], and for `full` also [full]. */
export function profilePackages(list: PackageList, profile: Profile): string[] {
  return profile === 'full' ? [...list.sections.minimal, ...list.sections.full] : [...list.sections.minimal];
}

/** sha256 of the profile's package names, one per line: what `list-packages.sh PROFILE | sha256sum` prints. */
export function packagesDigest(packages: readonly string[]): string {
  return createHash('sha256')
    .update(packages.map((name) => `${name}\n`).join(''))
    .digest('hex');
}
