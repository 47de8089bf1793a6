// Buildpack downloads against hostile URLs and servers (docs/security.md, "Hostile input"): a URL
// whose last path segment climbs out of the download directory writes nothing outside it, nothing
// of a failed download survives, and a git server that never answers cannot hold staging. Real
// servers on 127.0.0.1, the built builder as a process.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_BUILDPACKS, Workspace } from '../helpers/stage.ts';
import { makeZip, zipEntriesOf } from '../helpers/archives.ts';
import { startBuildpackServer, type BuildpackServer } from '../helpers/servers.ts';
import { presetEmptyResult, rawResult } from '../helpers/observe.ts';
import { processesWith, silentServer, walk } from './builder-helpers.ts';

let ws: Workspace;
let server: BuildpackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  ws.cleanup();
});

const BODY = 'PLANTED-BODY: the server decides what this file holds\n';

describe('a zip URL whose last segment is ..%2F..%2F…', () => {
  it('writes the body nowhere outside a private download directory, and leaves nothing behind', async () => {
    ws = new Workspace();
    presetEmptyResult(ws);
    // TMPDIR four levels below the workspace: the URL's four `..` lead from the download directory
    // to the workspace itself, where the old builder wrote escape/planted.zip.
    const tmp = path.join(ws.root, 'a', 'b', 'tmp');
    fs.mkdirSync(tmp, { recursive: true });
    server = await startBuildpackServer({ routes: { '/x/../../../../escape/planted.zip': BODY } });
    const url = server.url('/x/..%2F..%2F..%2F..%2Fescape%2Fplanted.zip?f=notzip.zip');

    const r = await ws.stage([url], { env: { TMPDIR: tmp } });

    expect(server.requests.map((q) => q.url)).toEqual(['/x/..%2F..%2F..%2F..%2Fescape%2Fplanted.zip?f=notzip.zip']);
    expect(r.stdout).toBe('');
    const tmpfile = `${tmp}/buildpack-download-[A-Za-z0-9]+/buildpack\\.zip`;
    expect(r.stderr).toMatch(new RegExp(`^Failed to extract buildpack '${escapeRegExp(url)}': ${tmpfile} is not a zip archive: text/plain; charset=utf-8\\n$`));
    expect(r.code).toBe(1);
    expect(fs.existsSync(path.join(ws.root, 'escape'))).toBe(false);
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(fs.existsSync(ws.downloadDir) ? fs.readdirSync(ws.downloadDir) : []).toEqual([]);
    // Nowhere in the workspace (TMPDIR, download directory, outputs, app) does the body remain.
    const holding = walk(ws.root).filter((rel) => {
      const full = Buffer.concat([Buffer.from(`${ws.root}/`), rel]);
      return fs.lstatSync(full).isFile() && fs.readFileSync(full).includes(BODY);
    });
    expect(holding.map(String)).toEqual([]);
    expect(rawResult(ws)).toBe('');
  });

  it('a zip that fails half-way through its extraction leaves no download directory', async () => {
    ws = new Workspace();
    const zip = makeZip([...zipEntriesOf(path.join(FIXTURE_BUILDPACKS, 'prints-env')), { name: 'etc', type: 'symlink', target: '/etc' }]);
    server = await startBuildpackServer({ routes: { '/half.zip': zip } });
    const url = server.url('/half.zip');

    const r = await ws.stage([url]);

    expect(r.stderr).toBe(`Failed to extract buildpack '${url}': illegal symlink in zip: "etc" -> "/etc" leads outside the destination\n`);
    expect(r.code).toBe(1);
    expect(walk(ws.downloadDir).map(String)).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
  });
});

describe('a git server that never answers', () => {
  it('over HTTP: git gives up once less than 1000 bytes/s arrived for GIT_HTTP_LOW_SPEED_TIME seconds; one line, exit 1, no retry', async () => {
    ws = new Workspace();
    presetEmptyResult(ws);
    const silent = await silentServer();
    const url = `http://127.0.0.1:${silent.port}/buildpack.git`;
    try {
      const started = Date.now();
      // Only the time is given: the limit of 1000 bytes/s is the builder's (without it git never gives up).
      const r = await ws.stage([url], { env: { GIT_HTTP_LOW_SPEED_TIME: '2' } });

      expect(r.stderr).toBe(`Failed to clone git repository at ${url}: the server sent less than 1000 bytes/s for 2 s\n`);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000);
      // The shallow clone only: a server that did not answer it is not asked for a full clone.
      expect(silent.accepted()).toBe(1);
      expect(walk(ws.downloadDir).map(String)).toEqual([]);
      expect(ws.leftovers()).toEqual([]);
      expect(rawResult(ws)).toBe('');
    } finally {
      await silent.close();
    }
  });

  it('over git:// (no low-speed limit there): the clone deadline ends git and its whole process group', async () => {
    ws = new Workspace();
    const silent = await silentServer();
    const url = `git://127.0.0.1:${silent.port}/never-answers.git`;
    try {
      const started = Date.now();
      const r = await ws.stage([url], { env: { CF_LIFECYCLE_TEST_GIT_CLONE_TIMEOUT: '2s' } });

      expect(r.stderr).toBe(`Failed to clone git repository at ${url}: git did not finish within 2s\n`);
      expect(r.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(processesWith(`127.0.0.1:${silent.port}`)).toEqual([]);
      expect(walk(ws.downloadDir).map(String)).toEqual([]);
      expect(ws.leftovers()).toEqual([]);
    } finally {
      await silent.close();
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
