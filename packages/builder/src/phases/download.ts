import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  StagingError,
  buildpackDirs,
  formatByteSize,
  formatGoDuration,
  goUrlParseError,
  isUrlKey,
  isZipUrl,
  parseGoDuration,
  redactUrl,
  redactUrlsIn,
  splitFragment,
  type BuildpackSource,
  type BuilderConfig,
} from '@cf-lifecycle/contract';
import { hashFile } from '../outputs/staging-metadata.ts';
import { trackTemporary } from '../process-registry.ts';
import { runScript } from '../run-script.ts';
import { setActivity } from '../staging-timeout.ts';
import { httpDownload } from './http-download.ts';
import { extractZip, sniffContentType } from './unzip.ts';

/** Quirk Q18, fixed in part: four attempts, but no pointless sleep after the last one. */
const DOWNLOAD_ATTEMPTS = 4;
const BACKOFF_MS = [500, 1000, 2000];

/** Downloads every URL buildpack; returns what each URL key turned out to be. */
export async function downloadBuildpacks(config: BuilderConfig): Promise<Map<string, BuildpackSource>> {
  const sources = new Map<string, BuildpackSource>();
  for (const key of config.buildpackOrder) {
    // Every key must parse as a URL reference (plain names do); only keys with a scheme are downloaded.
    const parseError = goUrlParseError(key);
    if (parseError !== undefined) throw new StagingError(redactUrlsIn(`Invalid buildpack url (${key}): ${parseError}`));
    if (!isUrlKey(key)) continue;
    const { primary } = buildpackDirs(key, config.buildpacksDir, config.buildpacksDownloadDir);
    setActivity(`downloading buildpack '${redactUrl(key)}'`);
    if (isZipUrl(key)) sources.set(key, await downloadZip(key, primary, config.skipCertVerify));
    else sources.set(key, await cloneGit(key, primary, config.skipCertVerify));
  }
  return sources;
}

/** Our own name for the downloaded file: the URL chooses nothing on our disk. */
const ZIP_NAME = 'buildpack.zip';

async function downloadZip(url: string, dest: string, skipCertVerify: boolean): Promise<BuildpackSource> {
  const { base } = splitFragment(url);
  const shown = redactUrl(url);
  // A fresh private directory (mode 0700) holds the one file we name; the URL's path segments, decoded
  // or not, never reach a file name (`..%2F..%2Fescape%2Fplanted.zip` once wrote outside TMPDIR).
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'buildpack-download-'));
  const removeTmp = trackTemporary(tmpDir);
  const createdDest = !fs.existsSync(dest);
  try {
    const zipFile = path.join(tmpDir, ZIP_NAME);
    let lastError = '';
    let size = -1;
    for (let attempt = 1; attempt <= DOWNLOAD_ATTEMPTS; attempt++) {
      try {
        size = await httpDownload(base, zipFile, { skipCertVerify });
        break;
      } catch (err) {
        lastError = (err as Error).message;
        // A partial body of a failed attempt is not kept.
        fs.rmSync(zipFile, { force: true });
        if (attempt < DOWNLOAD_ATTEMPTS) await sleep(BACKOFF_MS[attempt - 1]! + Math.random() * 200);
      }
    }
    if (size < 0) throw new StagingError(redactUrlsIn(`Failed to download buildpack '${shown}': ${lastError}`));
    const contentType = sniffContentType(zipFile);
    if (contentType !== 'application/zip') {
      throw new StagingError(`Failed to extract buildpack '${shown}': ${zipFile} is not a zip archive: ${contentType}`);
    }
    try {
      fs.mkdirSync(dest, { recursive: true, mode: 0o755 });
      await extractZip(zipFile, dest);
    } catch (err) {
      // Half an extraction is not a buildpack: a directory this download created goes with it.
      if (createdDest) fs.rmSync(dest, { recursive: true, force: true });
      throw new StagingError(redactUrlsIn(`Failed to extract buildpack '${shown}': ${(err as Error).message}`));
    }
    process.stdout.write(`Downloaded buildpack \`${shown}\` (${formatByteSize(size)})\n`);
    return { type: 'zip', url, sha256: hashFile(zipFile) };
  } finally {
    removeTmp();
  }
}

/**
 * git gets the zip download's patience: a transfer slower than 1000 bytes/s for 30 s is ended by git
 * itself (HTTP(S) only; an operator's own GIT_HTTP_LOW_SPEED_* settings win), and the whole clone
 * (both attempts) by us after 10 minutes, whatever the protocol: a server that accepts and never
 * answers held staging forever.
 */
export const GIT_LOW_SPEED = { limit: '1000', time: '30' };
export const GIT_CLONE_DEADLINE_MS = 10 * 60_000;
/** A test facility (docs/security.md): a shorter clone deadline, as a Go duration (`3s`). */
export const GIT_CLONE_DEADLINE_ENV = 'CF_LIFECYCLE_TEST_GIT_CLONE_TIMEOUT';

function cloneDeadlineMs(env: NodeJS.ProcessEnv): number {
  const given = env[GIT_CLONE_DEADLINE_ENV];
  const ms = given ? parseGoDuration(given) : undefined;
  return ms !== undefined && ms > 0 ? ms : GIT_CLONE_DEADLINE_MS;
}

async function cloneGit(url: string, dest: string, skipCertVerify: boolean): Promise<BuildpackSource> {
  const { base, fragment } = splitFragment(url);
  const shownBase = redactUrl(base);
  const branch = fragment ? ['-b', fragment] : [];
  // Quirk Q15 fixed in part: -skipCertVerify applies to git too. No prompt may hang staging.
  const env = {
    GIT_HTTP_LOW_SPEED_LIMIT: GIT_LOW_SPEED.limit,
    GIT_HTTP_LOW_SPEED_TIME: GIT_LOW_SPEED.time,
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    ...(skipCertVerify ? { GIT_SSL_NO_VERIFY: 'true' } : {}),
  };
  const deadlineMs = cloneDeadlineMs(process.env);
  const deadline = AbortSignal.timeout(deadlineMs);
  fs.mkdirSync(path.dirname(dest), { recursive: true, mode: 0o755 });
  const cloned = async (): Promise<BuildpackSource> => {
    const head = await runScript('git', ['-C', dest, 'rev-parse', 'HEAD'], { capture: 'combined', env });
    const commit = head.failure === undefined ? head.stdout.trim() : undefined;
    return { type: 'git', url: base, ...(fragment ? { ref: fragment } : {}), ...(commit ? { commit } : {}) };
  };
  /** A clone that ran out of time: what is left of it goes, and the error says why. */
  const timedOut = (output: string): StagingError | undefined => {
    const why = deadline.aborted
      ? `git did not finish within ${formatGoDuration(deadlineMs)}`
      : /Operation too slow/i.test(output)
        ? `the server sent less than ${env.GIT_HTTP_LOW_SPEED_LIMIT} bytes/s for ${env.GIT_HTTP_LOW_SPEED_TIME} s`
        : undefined;
    if (why === undefined) return undefined;
    fs.rmSync(dest, { recursive: true, force: true });
    return new StagingError(`Failed to clone git repository at ${shownBase}: ${why}`);
  };
  const shallow = await runScript('git', ['clone', '--depth', '1', '--recursive', ...branch, base, dest], { capture: 'combined', env, signal: deadline });
  if (shallow.failure === undefined) return cloned();
  if (/^fork\/exec git: no such file or directory$/.test(shallow.failure)) {
    throw new StagingError('exec: "git": executable file not found in $PATH');
  }
  // A server that did not answer the shallow clone will not answer the full one: no second wait.
  const slow = timedOut(shallow.output);
  if (slow) throw slow;
  // Quirk Q17 kept: any other failure of the shallow clone (also "destination exists") → fresh full clone.
  try {
    fs.rmSync(dest, { recursive: true, force: true });
  } catch (err) {
    throw new StagingError(`Failed to remove ${dest} prior to cloning on top: ${(err as Error).message}`);
  }
  const full = await runScript('git', ['clone', '--recursive', ...branch, base, dest], { capture: 'combined', env, signal: deadline });
  if (full.failure !== undefined) {
    const slowFull = timedOut(full.output);
    if (slowFull) throw slowFull;
    fs.rmSync(dest, { recursive: true, force: true });
    throw new StagingError(`Failed to clone git repository at ${shownBase}`);
  }
  return cloned();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
