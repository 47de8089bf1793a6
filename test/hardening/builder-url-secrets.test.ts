// Credentials in buildpack URLs (docs/security.md, "Secrets"; docs/compatibility.md): a private
// buildpack named `http://user:token@host/bp.zip` (or a git URL with a token) is downloaded with its
// credentials, but they appear in nothing the builder writes except result.json, which keeps the key
// as the contract says: not on stdout or stderr, not in the staging metadata, the SBOM, the droplet
// or its file list, the build cache, nor in the event an HTTP hook receives.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHookServer, type HookServer } from '../helpers/hooks/hook-server.ts';
import { FIXTURE_BUILDPACKS, Workspace, type RunResult } from '../helpers/stage.ts';
import { makeBareRepo, makeZip, zipEntriesOf } from '../helpers/archives.ts';
import { startBuildpackServer, type BuildpackServer } from '../helpers/servers.ts';

const ZIP_TOKEN = 'PLANTEDTOKEN';
const GIT_TOKEN = 'GITPLANTEDTOKEN';
const HOOK_SECRET = 'a-hook-secret-of-at-least-thirty-two-bytes';

let server: BuildpackServer;
let hookServer: HookServer;
let scratch: string;

beforeAll(async () => {
  scratch = fs.mkdtempSync('/tmp/url-secrets-');
  // declares-runtime supplies and finalizes, and declares dependencies: the SBOM names it by key.
  makeBareRepo(path.join(FIXTURE_BUILDPACKS, 'declares-runtime'), path.join(scratch, 'git', 'declares-runtime.git'));
  server = await startBuildpackServer({
    routes: { '/bp.zip': makeZip(zipEntriesOf(path.join(FIXTURE_BUILDPACKS, 'declares-runtime'))) },
    staticDir: path.join(scratch, 'git'),
  });
  const allow = (_req: unknown, res: http.ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"decision":"allow"}');
  };
  hookServer = await startHookServer({ secret: HOOK_SECRET, routes: { '/allow': allow } });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await hookServer?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

let ws: Workspace;
afterEach(() => ws.cleanup());

const withUserinfo = (url: string, userinfo: string) => url.replace('http://', `http://${userinfo}@`);
const redacted = (url: string) => url.replace(/^http:\/\/[^@/]*@/, 'http://***@');

/** Stages `order` with staging metadata and an HTTP hook at post-build and post-package. */
async function stage(order: string[], opts: { skipDetect?: boolean } = {}): Promise<{ r: RunResult; outputs: Array<[string, string | Buffer]> }> {
  ws = new Workspace('node-lockfile');
  const secretFile = path.join(ws.root, 'hook.secret');
  fs.writeFileSync(secretFile, `${HOOK_SECRET}\n`, { mode: 0o600 });
  const hooksConfig = path.join(ws.root, 'hooks.yml');
  fs.writeFileSync(
    hooksConfig,
    'hooks:\n' +
      `  - { name: build-scan, kind: http, phase: post-build, url: "${hookServer.url('/allow')}", secretFile: ${secretFile} }\n` +
      `  - { name: package-scan, kind: http, phase: post-package, url: "${hookServer.url('/allow')}", secretFile: ${secretFile} }\n`,
  );
  const metadataFile = path.join(ws.root, 'out', 'staging-metadata.json');
  const received = hookServer.received.length;
  const r = await ws.stage(order, { skipDetect: opts.skipDetect, extra: [`-outputStagingMetadata=${metadataFile}`, `-hooksConfig=${hooksConfig}`] });
  const outputs: Array<[string, string | Buffer]> = [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
  ];
  for (const [name, file] of [
    ['staging metadata', metadataFile],
    ['sidecar', `${ws.outputMetadata}.staging-id`],
  ] as const) {
    if (fs.existsSync(file)) outputs.push([name, fs.readFileSync(file)]);
  }
  for (const [name, file] of [
    ['droplet', ws.outputDroplet],
    ['build cache', ws.outputCache],
  ] as const) {
    if (!fs.existsSync(file)) continue;
    outputs.push([`${name} (all bytes, the SBOM and metadata included)`, zlib.gunzipSync(fs.readFileSync(file))]);
    outputs.push([`${name} file list`, execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' })]);
  }
  for (const request of hookServer.received.slice(received)) outputs.push([`hook request ${request.path}`, request.body]);
  return { r, outputs };
}

function expectNoToken(outputs: Array<[string, string | Buffer]>): void {
  for (const [name, content] of outputs) {
    const text = Buffer.isBuffer(content) ? content.toString('latin1') : content;
    expect({ [name]: [ZIP_TOKEN, GIT_TOKEN].filter((t) => text.includes(t)) }).toEqual({ [name]: [] });
  }
}

describe('buildpack URLs with credentials', () => {
  it('a zip and a git buildpack with tokens stage; only result.json holds the tokens', async () => {
    const zipUrl = withUserinfo(server.url('/bp.zip'), `u:${ZIP_TOKEN}`);
    const gitUrl = withUserinfo(server.url('/declares-runtime.git'), `git:${GIT_TOKEN}`);

    const { r, outputs } = await stage([gitUrl, zipUrl], { skipDetect: true });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The download line names the buildpack, without its credentials.
    expect(r.stdout).toContain(`Downloaded buildpack \`${redacted(zipUrl)}\` (`);
    // The server got them: the download used the URL as given.
    expect(server.requests.find((q) => q.url === '/bp.zip')?.headers.authorization).toBe(`Basic ${Buffer.from(`u:${ZIP_TOKEN}`).toString('base64')}`);
    expect(hookServer.received.length).toBeGreaterThanOrEqual(2);
    expectNoToken(outputs);

    const metadata = JSON.parse(fs.readFileSync(path.join(ws.root, 'out', 'staging-metadata.json'), 'utf8'));
    expect(metadata.buildpacks.map((bp: { key: string; source: { url?: string } }) => [bp.key, bp.source.url])).toEqual([
      [redacted(gitUrl), redacted(gitUrl)],
      [redacted(zipUrl), redacted(zipUrl)],
    ]);
    expect(metadata.dependencies.map((d: { source: string }) => d.source)).toContain(`buildpack:${redacted(zipUrl)}`);
    // result.json stays exactly as the contract says: the keys as given.
    const result = fs.readFileSync(ws.outputMetadata, 'utf8');
    expect(result).toContain(ZIP_TOKEN);
    expect(result).toContain(GIT_TOKEN);
  });

  it('failures: a zip that is not there and a git repository that is not there name the URL without its credentials', async () => {
    const missingZip = withUserinfo(server.url('/missing.zip'), `u:${ZIP_TOKEN}`);
    const zipFailure = await stage([missingZip]);
    expect(zipFailure.r.stderr).toBe(`Failed to download buildpack '${redacted(missingZip)}': Download failed: Status code 404\n`);
    expect(zipFailure.r.code).toBe(1);
    expectNoToken(zipFailure.outputs);
    ws.cleanup();

    const missingGit = withUserinfo(server.url('/nothing-here.git'), `git:${GIT_TOKEN}`);
    const gitFailure = await stage([missingGit]);
    expect(gitFailure.r.stderr).toBe(`Failed to clone git repository at ${redacted(missingGit)}\n`);
    expect(gitFailure.r.code).toBe(1);
    expectNoToken(gitFailure.outputs);
  }, 60_000);

  it('a staging timeout while a buildpack with credentials runs names it redacted', async () => {
    server.route('/hangs.zip', makeZip(zipEntriesOf(path.join(FIXTURE_BUILDPACKS, 'hangs-in-compile'))));
    const hangs = withUserinfo(server.url('/hangs.zip'), `u:${ZIP_TOKEN}`);
    ws = new Workspace();
    const r = await ws.stage([hangs], { extra: ['-stagingTimeout=1500ms'] });
    expect(r.stderr).toMatch(new RegExp(`Staging timed out after 1\\.5s \\(running bin/\\w+ of buildpack '${escapeRegExp(redacted(hangs))}'\\)\\n$`));
    expect(r.code).toBe(229);
    expect(r.stdout + r.stderr).not.toContain(ZIP_TOKEN);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
