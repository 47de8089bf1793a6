// The stack's identity inside the rootfs, written by rootfs/customize.sh. cflinuxfs2 had no such file
// (ROOTFS.md §5: only /etc/lsb-release named the distribution); buildpacks learn the stack's name from
// CF_STACK, and this file lets a person or a tool inside the container learn the rest.
import fs from 'node:fs';
import path from 'node:path';

/** Path of the version file inside the rootfs. */
export const VERSION_FILE = '/etc/cf-stack/version.json';

export interface StackVersionFile {
  /** The stack's name as buildpacks see it in CF_STACK, e.g. cflinuxfs2. */
  name: string;
  /** The stack's version (rootfs/packages.list `version`). */
  version: string;
  profile: string;
  /** The distribution the rootfs is made of: `debian bookworm` (from its /etc/os-release). */
  base: string;
  /** sha256 of the profile's package names, one per line (`list-packages.sh PROFILE | sha256sum`). */
  packages_sha256: string;
  /** When the rootfs was built, UTC, ISO 8601 to the second. */
  built_at: string;
}

const FIELDS = ['name', 'version', 'profile', 'base', 'packages_sha256', 'built_at'] as const;

/** Reads and checks the version file of a rootfs directory; undefined when there is none. */
export function readVersionFile(rootfsDir: string): StackVersionFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(rootfsDir, VERSION_FILE), 'utf8');
  } catch {
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const record = data as Record<string, unknown>;
  if (!FIELDS.every((field) => typeof record[field] === 'string')) return undefined;
  return Object.fromEntries(FIELDS.map((field) => [field, record[field]])) as unknown as StackVersionFile;
}
