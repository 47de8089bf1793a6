// Downloading URL buildpacks into the download directory (CONTRACT §2.6): zip files over HTTP(S),
// anything else cloned with the real `git` CLI.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  StagingError,
  buildpackDirs,
  formatByteSize,
  goUrlParseError,
  isUrlKey,
  isZipUrl,
  splitFragment,
} from '@cf-lifecycle/contract';
import type { BuilderConfig } from '../config.ts';
import { trackTemporary } from '../process-registry.ts';
import { runScript } from '../run-script.ts';
import { setActivity } from '../staging-timeout.ts';
import { httpDownload } from './http-download.ts';
import { extractZip, sniffContentType } from './unzip.ts';

/** Quirk Q18, fixed in part: four attempts, but no pointless sleep after the last one. */
const DOWNLOAD_ATTEMPTS = 4;
const BACKOFF_MS = [500, 1000, 2000];

/** Where a buildpack came from, for the staging metadata. */
export type BuildpackSourceInfo =
  | { type: 'directory' }
  | { type: 'zip'; url: string; sha256: string }
  | { type: 'git'; url: string; ref?: string; commit?: string };

/** Downloads every URL buildpack; returns what each URL key turned out to be. */
export async function downloadBuildpacks(config: BuilderConfig): Promise<Map<string, BuildpackSourceInfo>> {
  const sources = new Map<string, BuildpackSourceInfo>();
  for (const key of config.buildpackOrder) {
    // Every key must parse as a URL reference (plain names do); only keys with a scheme are downloaded.
    const parseError = goUrlParseError(key);
    if (parseError !== undefined) throw new StagingError(`Invalid buildpack url (${key}): ${parseError}`);
    if (!isUrlKey(key)) continue;
    const { primary } = buildpackDirs(key, config.buildpacksDir, config.buildpacksDownloadDir);
    setActivity(`downloading buildpack '${key}'`);
    if (isZipUrl(key)) sources.set(key, await downloadZip(key, primary, config.skipCertVerify));
    else sources.set(key, await cloneGit(key, primary, config.skipCertVerify));
  }
  return sources;
}

async function downloadZip(url: string, dest: string, skipCertVerify: boolean): Promise<BuildpackSourceInfo> {
  const { base } = splitFragment(url);
  const segment = decodeSafe(new URL(base).pathname.split('/').pop() || 'buildpack.zip');
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'buildpack-download-'));
  const removeTmp = trackTemporary(tmpDir);
  try {
    const zipFile = path.join(tmpDir, segment);
    let lastError = '';
    let size = -1;
    for (let attempt = 1; attempt <= DOWNLOAD_ATTEMPTS; attempt++) {
      try {
        size = await httpDownload(base, zipFile, { skipCertVerify });
        break;
      } catch (err) {
        lastError = (err as Error).message;
        if (attempt < DOWNLOAD_ATTEMPTS) await sleep(BACKOFF_MS[attempt - 1]! + Math.random() * 200);
      }
    }
    if (size < 0) throw new StagingError(`Failed to download buildpack '${url}': ${lastError}`);
    const contentType = sniffContentType(zipFile);
    if (contentType !== 'application/zip') {
      throw new StagingError(`Failed to extract buildpack '${url}': ${zipFile} is not a zip archive: ${contentType}`);
    }
    try {
      fs.mkdirSync(dest, { recursive: true, mode: 0o755 });
      await extractZip(zipFile, dest);
    } catch (err) {
      throw new StagingError(`Failed to extract buildpack '${url}': ${(err as Error).message}`);
    }
    process.stdout.write(`Downloaded buildpack \`${url}\` (${formatByteSize(size)})\n`);
    return { type: 'zip', url, sha256: createHash('sha256').update(fs.readFileSync(zipFile)).digest('hex') };
  } finally {
    removeTmp();
  }
}

async function cloneGit(url: string, dest: string, skipCertVerify: boolean): Promise<BuildpackSourceInfo> {
  const { base, fragment } = splitFragment(url);
  const branch = fragment ? ['-b', fragment] : [];
  // Quirk Q15 fixed in part: -skipCertVerify applies to git too. No prompt may hang staging.
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', ...(skipCertVerify ? { GIT_SSL_NO_VERIFY: 'true' } : {}) };
  fs.mkdirSync(path.dirname(dest), { recursive: true, mode: 0o755 });
  const cloned = async (): Promise<BuildpackSourceInfo> => {
    const head = await runScript('git', ['-C', dest, 'rev-parse', 'HEAD'], { capture: 'combined', env });
    const commit = head.failure === undefined ? head.stdout.trim() : undefined;
    return { type: 'git', url: base, ...(fragment ? { ref: fragment } : {}), ...(commit ? { commit } : {}) };
  };
  const shallow = await runScript('git', ['clone', '--depth', '1', '--recursive', ...branch, base, dest], { capture: 'combined', env });
  if (shallow.failure === undefined) return cloned();
  if (/^fork\/exec git: no such file or directory$/.test(shallow.failure)) {
    throw new StagingError('exec: "git": executable file not found in $PATH');
  }
  // Quirk Q17 kept: any failure of the shallow clone (also "destination exists") → fresh full clone.
  try {
    fs.rmSync(dest, { recursive: true, force: true });
  } catch (err) {
    throw new StagingError(`Failed to remove ${dest} prior to cloning on top: ${(err as Error).message}`);
  }
  const full = await runScript('git', ['clone', '--recursive', ...branch, base, dest], { capture: 'combined', env });
  if (full.failure !== undefined) throw new StagingError(`Failed to clone git repository at ${base}`);
  return cloned();
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
