// @cf-lifecycle/stack: the cflinuxfs2-compatible root filesystem, built from Debian packages with
// mmdebstrap (rootfs/), versioned and cached. See rootfs/README.md.
export { ensureStack, planStack, type EnsureStackOptions } from './ensure-stack.ts';
export { openStack } from './open-stack.ts';
export { StackError } from './errors.ts';
export { DEFAULT_CACHE_DIR, DEFAULT_NAME, artifactBase, resolveCacheDir, type Stack } from './cache.ts';
export { PROFILES, isProfile, packagesDigest, parsePackageList, profilePackages, type PackageList, type Profile } from './package-list.ts';
export { VERSION_FILE, readVersionFile, type StackVersionFile } from './version-file.ts';
export { parseReceipt, type ReceiptEntry } from './receipt.ts';
export { readSources, stackSourceDir } from './sources.ts';
export type { ProgressEvent } from './progress.ts';
