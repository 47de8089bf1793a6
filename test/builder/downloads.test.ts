// CONTRACT §2.6: buildpacks given as URLs are downloaded (zip over HTTP(S)) or cloned (git) into
// `<buildpacksDownloadDir>/<xxhash64(url)>` before anything runs. Real servers on 127.0.0.1, real
// zips, real `git` with local bare repositories; the builder runs as a process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_BUILDPACKS, Workspace, xxhash64Hex } from '../helpers/stage.ts';
import { bytefmt, git, makeBareRepo, makeZip, zipEntriesOf, type ZipEntry } from '../helpers/archives.ts';
import { generateCertificates, type TestCertificates } from '../helpers/certs.ts';
import { startBuildpackServer, startConnectProxy, unusedPort, type BuildpackServer } from '../helpers/servers.ts';
import { envSeenByCompile, gaps, presetEmptyResult, rawResult } from '../helpers/observe.ts';

// `prints-env`: detect prints `Prints Env`, compile prints nothing on stdout (it records its
// environment in the app), release web `web from release of prints-env`. So a successful staging
// prints exactly the download line on stdout.
const PRINTS_ENV = path.join(FIXTURE_BUILDPACKS, 'prints-env');

/** JSON as Go's encoder writes it (§1.2): HTML-sensitive characters escaped. */
const goJson = (value: unknown): string => JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function successResult(key: string, name = 'Prints Env', web = 'web from release of prints-env'): string {
  return (
    goJson({
      lifecycle_metadata: { buildpack_key: key, detected_buildpack: name, buildpacks: [{ key, name }] },
      process_types: { web },
      processes: [{ type: 'web', command: web }],
      execution_metadata: '',
      lifecycle_type: 'buildpack',
    }) + '\n'
  );
}

let certs: TestCertificates;
beforeAll(() => {
  certs = generateCertificates();
});
afterAll(() => certs.cleanup());

describe('CONTRACT §2.6 Downloading URL buildpacks: zip', () => {
  let ws: Workspace;
  let server: BuildpackServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
    ws.cleanup();
  });

  it('downloads a zip over HTTP into <downloadDir>/<xxhash(url)>, prints the size with bytefmt and stages with it', async () => {
    ws = new Workspace();
    const zip = makeZip(zipEntriesOf(PRINTS_ENV), { padTo: 1536 });
    server = await startBuildpackServer({ routes: { '/buildpacks/prints-env.zip': zip } });
    const url = server.url('/buildpacks/prints-env.zip');

    const r = await ws.stage([url]);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`Downloaded buildpack \`${url}\` (1.5K)\n`);
    expect(r.code).toBe(0);
    expect(server.count('/buildpacks/prints-env.zip')).toBe(1);
    expect(server.requests[0]?.method).toBe('GET');
    const dest = path.join(ws.downloadDir, xxhash64Hex(url));
    expect(fs.readdirSync(path.join(dest, 'bin')).sort()).toEqual(['compile', 'detect', 'release', 'supply']);
    expect(rawResult(ws)).toBe(successResult(url));
    expect(ws.dropletListing()).toContain('./app/env-seen-by-compile');
    // The temporary zip (and the contents dir) are gone.
    expect(ws.leftovers()).toEqual([]);
  });

  it.each([
    [2048, '2K'],
    [1536, '1.5K'],
    [10343, '10.1K'],
    [1024 * 1024 + 200 * 1024, '1.2M'],
  ])('formats a %i-byte download as %s', async (size, text) => {
    ws = new Workspace();
    const entries: ZipEntry[] = zipEntriesOf(PRINTS_ENV);
    // Incompressible padding for the sizes that do not fit in a zip comment.
    if (size > 60_000) entries.push({ name: 'padding.bin', type: 'file', content: Buffer.alloc(size - 60_000, 7), stored: true });
    const zip = makeZip(entries, { padTo: size });
    expect(zip.length).toBe(size);
    expect(bytefmt(size)).toBe(text);
    server = await startBuildpackServer({ routes: { '/sized.zip': zip } });
    const url = server.url('/sized.zip');

    const r = await ws.stage([url]);

    expect(r.stdout).toBe(`Downloaded buildpack \`${url}\` (${text})\n`);
    expect(r.code).toBe(0);
  });

  it('keeps query and fragment in the key and the message; only the path has to end in .zip', async () => {
    ws = new Workspace();
    const zip = makeZip(zipEntriesOf(PRINTS_ENV));
    server = await startBuildpackServer({ routes: { '/prints-env.zip': zip } });
    const url = server.url('/prints-env.zip?version=1.2&token=abc#some-fragment');

    const r = await ws.stage([url]);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Downloaded buildpack \`${url}\` (${bytefmt(zip.length)})\n`);
    expect(server.requests.map((q) => q.url)).toEqual(['/prints-env.zip?version=1.2&token=abc']);
    expect(fs.existsSync(path.join(ws.downloadDir, xxhash64Hex(url), 'bin', 'compile'))).toBe(true);
    expect(rawResult(ws)).toBe(successResult(url));
  });

  it('keeps a percent-encoded path as written in the message; the decoded path decides it is a zip', async () => {
    ws = new Workspace();
    const zip = makeZip(zipEntriesOf(PRINTS_ENV));
    server = await startBuildpackServer({ routes: { '/my buildpack.zip': zip } });
    const url = server.url('/my%20buildpack.zip');

    const r = await ws.stage([url]);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`Downloaded buildpack \`${url}\` (${bytefmt(zip.length)})\n`);
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => q.url)).toEqual(['/my%20buildpack.zip']);
    expect(ws.leftovers()).toEqual([]);
  });

  it('honours HTTP_PROXY for zip downloads', async () => {
    ws = new Workspace();
    const zip = makeZip(zipEntriesOf(PRINTS_ENV));
    // The proxy receives the absolute URL; the host itself is never resolved.
    const url = 'http://buildpacks.example.invalid/through-the-proxy.zip';
    server = await startBuildpackServer({ routes: { [url]: zip } });

    const r = await ws.stage([url], { env: { HTTP_PROXY: server.url(''), http_proxy: server.url('') } });

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`Downloaded buildpack \`${url}\` (${bytefmt(zip.length)})\n`);
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => q.url)).toEqual([url]);
  });

  it('tunnels HTTPS zip downloads through HTTPS_PROXY (CONNECT)', async () => {
    ws = new Workspace();
    const zip = makeZip(zipEntriesOf(PRINTS_ENV));
    server = await startBuildpackServer({ tls: certs.selfSigned, routes: { '/tunnelled.zip': zip } });
    const port = server.port;
    const proxy = await startConnectProxy((target) => (target === 'buildpacks.example.invalid:443' ? port : undefined));
    const url = 'https://buildpacks.example.invalid/tunnelled.zip';
    try {
      const r = await ws.stage([url], { env: { HTTPS_PROXY: proxy.url, https_proxy: proxy.url }, extra: ['-skipCertVerify=true'] });

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`Downloaded buildpack \`${url}\` (${bytefmt(zip.length)})\n`);
      expect(r.code).toBe(0);
      expect(proxy.connects).toEqual(['buildpacks.example.invalid:443']);
      expect(server.count('/tunnelled.zip')).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('downloads every URL key in detect mode too, before detection; non-URL keys are skipped', async () => {
    ws = new Workspace();
    ws.installBuildpack('always-fails');
    const first = makeZip(zipEntriesOf(PRINTS_ENV));
    const second = makeZip(zipEntriesOf(path.join(FIXTURE_BUILDPACKS, 'always-detects')));
    server = await startBuildpackServer({ routes: { '/first.zip': first, '/second.zip': second } });
    const firstUrl = server.url('/first.zip');
    const secondUrl = server.url('/second.zip');

    const r = await ws.stage(['always-fails', firstUrl, secondUrl]);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      `Downloaded buildpack \`${firstUrl}\` (${bytefmt(first.length)})\n` + `Downloaded buildpack \`${secondUrl}\` (${bytefmt(second.length)})\n`,
    );
    expect(r.code).toBe(0);
    expect(server.count('/second.zip')).toBe(1);
    expect(rawResult(ws)).toBe(successResult(firstUrl));
  });

  it('resolves a zip whose entries sit in a single top-level folder (one level of nesting)', async () => {
    ws = new Workspace();
    server = await startBuildpackServer({ routes: { '/nested.zip': makeZip(zipEntriesOf(PRINTS_ENV, 'prints-env-main/')) } });
    const url = server.url('/nested.zip');

    const r = await ws.stage([url]);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dest = path.join(ws.downloadDir, xxhash64Hex(url));
    expect(fs.readdirSync(dest)).toEqual(['prints-env-main']);
    expect(fs.existsSync(path.join(dest, 'prints-env-main', 'bin', 'compile'))).toBe(true);
    expect(rawResult(ws)).toBe(successResult(url));
  });

  it('extracts recorded permission bits, directory modes and symlinks', async () => {
    ws = new Workspace();
    const release = `#!/usr/bin/env bash\necho "default_process_types: {web: web through a symlinked release}"\n`;
    const zip = makeZip([
      { name: 'bin/', type: 'dir', mode: 0o755 },
      { name: 'bin/detect', type: 'file', content: '#!/usr/bin/env bash\necho "Zipped With Modes"\n', mode: 0o755 },
      { name: 'bin/compile', type: 'file', content: '#!/usr/bin/env bash\nexit 0\n', mode: 0o750 },
      { name: 'bin/release', type: 'symlink', target: '../lib/release.sh' },
      { name: 'lib/', type: 'dir', mode: 0o755 },
      { name: 'lib/release.sh', type: 'file', content: release, mode: 0o755 },
      { name: 'lib/data.txt', type: 'file', content: 'data\n', mode: 0o640 },
      { name: 'lib/not-executable.sh', type: 'file', content: 'echo no\n', mode: 0o644 },
      { name: 'private/', type: 'dir', mode: 0o700 },
      { name: 'private/secret', type: 'file', content: 'secret\n', mode: 0o600 },
    ]);
    server = await startBuildpackServer({ routes: { '/modes.zip': zip } });
    const url = server.url('/modes.zip');

    const r = await ws.stage([url]);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dest = path.join(ws.downloadDir, xxhash64Hex(url));
    const mode = (rel: string) => fs.lstatSync(path.join(dest, rel)).mode & 0o7777;
    const umask = process.umask();
    expect(mode('bin/detect')).toBe(0o755 & ~umask);
    expect(mode('bin/compile')).toBe(0o750 & ~umask);
    expect(mode('lib/release.sh')).toBe(0o755 & ~umask);
    expect(mode('lib/data.txt')).toBe(0o640 & ~umask);
    expect(mode('lib/not-executable.sh')).toBe(0o644 & ~umask);
    expect(mode('private')).toBe(0o700 & ~umask);
    expect(mode('private/secret')).toBe(0o600 & ~umask);
    expect(fs.lstatSync(path.join(dest, 'bin/release')).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(path.join(dest, 'bin/release'))).toBe('../lib/release.sh');
    // The release script was run through the symlink.
    expect(rawResult(ws)).toBe(successResult(url, 'Zipped With Modes', 'web through a symlinked release'));
  });

  it('confines entries to the destination: a ../ entry never lands outside it', async () => {
    ws = new Workspace();
    const entries: ZipEntry[] = [...zipEntriesOf(PRINTS_ENV), { name: '../../escaped-by-zip.txt', type: 'file', content: 'escaped\n' }];
    server = await startBuildpackServer({ routes: { '/traversal.zip': makeZip(entries) } });

    await ws.stage([server.url('/traversal.zip')]);

    expect(fs.existsSync(path.join(ws.root, 'escaped-by-zip.txt'))).toBe(false);
    expect(fs.existsSync(path.join(ws.downloadDir, 'escaped-by-zip.txt'))).toBe(false);
    expect(fs.existsSync(path.join(path.dirname(ws.root), 'escaped-by-zip.txt'))).toBe(false);
  });

  describe('over HTTPS with a self-signed certificate', () => {
    it('fails to download without -skipCertVerify (exit 1, no result.json)', async () => {
      ws = new Workspace();
      presetEmptyResult(ws);
      server = await startBuildpackServer({ tls: certs.selfSigned, routes: { '/prints-env.zip': makeZip(zipEntriesOf(PRINTS_ENV)) } });
      const url = server.url('/prints-env.zip');

      const r = await ws.stage([url]);

      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith(`Failed to download buildpack '${url}': `)).toBe(true);
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.code).toBe(1);
      // No request got past the TLS handshake.
      expect(server.requests).toEqual([]);
      expect(rawResult(ws)).toBe('');
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
      expect(ws.leftovers()).toEqual([]);
    });

    it('downloads with -skipCertVerify=true', async () => {
      ws = new Workspace();
      const zip = makeZip(zipEntriesOf(PRINTS_ENV), { padTo: 2048 });
      server = await startBuildpackServer({ tls: certs.selfSigned, routes: { '/prints-env.zip': zip } });
      const url = server.url('/prints-env.zip');

      const r = await ws.stage([url], { extra: ['-skipCertVerify=true'] });

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`Downloaded buildpack \`${url}\` (2K)\n`);
      expect(r.code).toBe(0);
      expect(server.count('/prints-env.zip')).toBe(1);
      expect(rawResult(ws)).toBe(successResult(url));
    });
  });

  it('makes 4 attempts for a 404, backing off 0.5 s, 1 s, 2 s and not sleeping after the last (Q18 decision)', async () => {
    ws = new Workspace();
    presetEmptyResult(ws);
    server = await startBuildpackServer();
    const url = server.url('/missing.zip');

    const started = Date.now();
    const r = await ws.stage([url]);
    const ended = Date.now();

    expect(r.stderr).toBe(`Failed to download buildpack '${url}': Download failed: Status code 404\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
    expect(server.count('/missing.zip')).toBe(4);
    const times = server.requests.map((q) => q.at);
    const [g1, g2, g3] = gaps(times);
    expect(g1).toBeGreaterThanOrEqual(450);
    expect(g1).toBeLessThan(1000);
    expect(g2).toBeGreaterThanOrEqual(950);
    expect(g2).toBeLessThan(1600);
    expect(g3).toBeGreaterThanOrEqual(1950);
    expect(g3).toBeLessThan(2700);
    // ~3.5 s in all; the reference's extra 4 s sleep after the last attempt is gone.
    expect(ended - times[3]!).toBeLessThan(1500);
    expect(ended - started).toBeLessThan(6000);
    expect(rawResult(ws)).toBe('');
    expect(fs.existsSync(ws.outputDroplet)).toBe(false);
    expect(ws.leftovers()).toEqual([]);
  });

  it('fails for any non-200 status (500) with the status code', async () => {
    ws = new Workspace();
    server = await startBuildpackServer({ routes: { '/broken.zip': { status: 500, body: 'oops' } } });
    const url = server.url('/broken.zip');

    const r = await ws.stage([url]);

    expect(r.stderr).toBe(`Failed to download buildpack '${url}': Download failed: Status code 500\n`);
    expect(r.code).toBe(1);
    expect(server.count('/broken.zip')).toBe(4);
  });

  it('fails when nothing listens on the port', async () => {
    ws = new Workspace();
    presetEmptyResult(ws);
    const port = await unusedPort();
    const url = `http://127.0.0.1:${port}/prints-env.zip`;

    const r = await ws.stage([url]);

    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(`Failed to download buildpack '${url}': `)).toBe(true);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.code).toBe(1);
    expect(rawResult(ws)).toBe('');
    expect(ws.leftovers()).toEqual([]);
  });

  it('refuses a body that is not a zip: "<tmpfile> is not a zip archive: <mime>", temp file removed', async () => {
    ws = new Workspace();
    presetEmptyResult(ws);
    server = await startBuildpackServer({ routes: { '/not-a-zip.zip': 'this is plain text, not a zip archive\n' } });
    const url = server.url('/not-a-zip.zip');

    const r = await ws.stage([url]);

    expect(r.stdout).toBe('');
    const prefix = `Failed to extract buildpack '${url}': `;
    expect(r.stderr.startsWith(prefix)).toBe(true);
    const rest = r.stderr.slice(prefix.length);
    // The temporary file lives in a private directory of $TMPDIR under a name of ours (never one
    // taken from the URL, which could climb out of it: test/hardening/builder-downloads.test.ts).
    expect(rest).toMatch(/^\S+ is not a zip archive: \S.*\n$/);
    expect(rest.split(' ')[0]).toMatch(new RegExp(`^${ws.tmpDir}/buildpack-download-[^/]+/buildpack\\.zip$`));
    expect(r.code).toBe(1);
    expect(rawResult(ws)).toBe('');
    expect(ws.leftovers()).toEqual([]);
  });

  it('rejects a key that cannot be parsed as a URL: Invalid buildpack url (%zz)', async () => {
    ws = new Workspace();
    presetEmptyResult(ws);

    const r = await ws.stage(['%zz']);

    expect(r.stderr).toBe('Invalid buildpack url (%zz): parse "%zz": invalid URL escape "%zz"\n');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
    expect(rawResult(ws)).toBe('');
  });

  it('re-stages over an existing download dir: downloads again, overwrites, does not empty it first', async () => {
    ws = new Workspace();
    const zip = makeZip(zipEntriesOf(PRINTS_ENV));
    server = await startBuildpackServer({ routes: { '/prints-env.zip': zip } });
    const url = server.url('/prints-env.zip');
    const dest = path.join(ws.downloadDir, xxhash64Hex(url));

    const first = await ws.stage([url]);
    expect(first.code).toBe(0);
    fs.writeFileSync(path.join(dest, 'left-from-before'), 'stale\n');
    fs.writeFileSync(path.join(dest, 'bin', 'detect'), '#!/usr/bin/env bash\necho "Modified Locally"\n');

    const second = await ws.stage([url]);

    expect(second.stderr).toBe('');
    expect(second.stdout).toBe(`Downloaded buildpack \`${url}\` (${bytefmt(zip.length)})\n`);
    expect(second.code).toBe(0);
    expect(server.count('/prints-env.zip')).toBe(2);
    expect(fs.readFileSync(path.join(dest, 'left-from-before'), 'utf8')).toBe('stale\n');
    // The zip's detect replaced the local modification.
    expect(rawResult(ws)).toBe(successResult(url));
    expect(ws.leftovers()).toEqual([]);
  });

  it('downloads every URL of a skip-detect order and uses them as supply and final buildpacks', async () => {
    ws = new Workspace();
    const supplyOnly = makeZip([{ name: 'bin/supply', type: 'file', content: '#!/usr/bin/env bash\necho "zipped supply ran with index $4"\n', mode: 0o755 }]);
    const final = makeZip(zipEntriesOf(PRINTS_ENV));
    server = await startBuildpackServer({ routes: { '/supply.zip': supplyOnly, '/final.zip': final } });
    const supplyUrl = server.url('/supply.zip');
    const finalUrl = server.url('/final.zip');

    const r = await ws.stage([supplyUrl, finalUrl], { skipDetect: true });

    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Downloaded buildpack \`${supplyUrl}\` (${bytefmt(supplyOnly.length)})\n` +
        `Downloaded buildpack \`${finalUrl}\` (${bytefmt(final.length)})\n` +
        'zipped supply ran with index 0\n',
    );
    expect(r.stderr).toBe(
      'Warning: the last buildpack is not compatible with multi-buildpack apps and cannot make use of any dependencies supplied by the buildpacks specified before it\n',
    );
    expect(fs.existsSync(path.join(ws.downloadDir, xxhash64Hex(supplyUrl), 'bin', 'supply'))).toBe(true);
    expect(envSeenByCompile(ws).PWD).toBe(ws.root);
  });
});

describe('CONTRACT §2.6 Downloading URL buildpacks: git', () => {
  let ws: Workspace;
  let server: BuildpackServer | undefined;
  let repos: string;

  beforeAll(() => {
    repos = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-git-'));
    makeBareRepo(PRINTS_ENV, path.join(repos, 'prints-env.git'), {
      'other-branch': (work) =>
        fs.writeFileSync(path.join(work, 'bin', 'release'), '#!/usr/bin/env bash\necho "default_process_types: {web: web from the other branch}"\n', {
          mode: 0o755,
        }),
    });
  });
  afterAll(() => fs.rmSync(repos, { recursive: true, force: true }));
  afterEach(async () => {
    await server?.close();
    server = undefined;
    ws.cleanup();
  });

  it('clones a file:// URL into <downloadDir>/<xxhash(url)> and prints nothing', async () => {
    ws = new Workspace();
    const url = `file://${repos}/prints-env.git`;

    const r = await ws.stage([url]);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
    const dest = path.join(ws.downloadDir, xxhash64Hex(url));
    expect(fs.existsSync(path.join(dest, '.git'))).toBe(true);
    expect(fs.existsSync(path.join(dest, 'bin', 'compile'))).toBe(true);
    expect(git(['rev-parse', '--abbrev-ref', 'HEAD'], dest).trim()).toBe('main');
    expect(rawResult(ws)).toBe(successResult(url));
  });

  it('checks out the branch named by the URL fragment (#branch); the key keeps the fragment', async () => {
    ws = new Workspace();
    const url = `file://${repos}/prints-env.git#other-branch`;

    const r = await ws.stage([url]);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dest = path.join(ws.downloadDir, xxhash64Hex(url));
    expect(git(['rev-parse', '--abbrev-ref', 'HEAD'], dest).trim()).toBe('other-branch');
    expect(rawResult(ws)).toBe(successResult(url, 'Prints Env', 'web from the other branch'));
  });

  it('fails with "Failed to clone git repository at <url without fragment>" (exit 1, no result.json)', async () => {
    ws = new Workspace();
    presetEmptyResult(ws);
    const url = `file://${repos}/does-not-exist.git`;

    const r = await ws.stage([`${url}#main`]);

    expect(r.stderr).toBe(`Failed to clone git repository at ${url}\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
    expect(rawResult(ws)).toBe('');
    expect(fs.existsSync(ws.outputDroplet)).toBe(false);
  });

  it('fails for a branch that does not exist', async () => {
    ws = new Workspace();
    const url = `file://${repos}/prints-env.git`;

    const r = await ws.stage([`${url}#no-such-branch`]);

    expect(r.stderr).toBe(`Failed to clone git repository at ${url}\n`);
    expect(r.code).toBe(1);
  });

  it('re-stages over an already cloned buildpack with a fresh full clone (Q17)', async () => {
    ws = new Workspace();
    const bare = path.join(repos, 'restaged.git');
    makeBareRepo(PRINTS_ENV, bare);
    const url = `file://${bare}`;
    expect((await ws.stage([url])).code).toBe(0);

    // A new commit upstream: the second staging must see it, so the old clone was not reused.
    const work = path.join(repos, 'restaged.work2');
    git(['clone', '-q', bare, work], repos);
    fs.writeFileSync(path.join(work, 'bin', 'release'), '#!/usr/bin/env bash\necho "default_process_types: {web: web from a newer commit}"\n');
    git(['commit', '-q', '-am', 'newer'], work);
    git(['push', '-q', 'origin', 'main'], work);
    fs.writeFileSync(path.join(ws.downloadDir, xxhash64Hex(url), 'left-from-before'), 'stale\n');

    const r = await ws.stage([url]);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
    expect(rawResult(ws)).toBe(successResult(url, 'Prints Env', 'web from a newer commit'));
    // The destination was deleted before the full clone.
    expect(fs.existsSync(path.join(ws.downloadDir, xxhash64Hex(url), 'left-from-before'))).toBe(false);
  });

  it('fails when git is not on PATH', async () => {
    ws = new Workspace();
    const url = `file://${repos}/prints-env.git`;

    const r = await ws.stage([url], { env: { PATH: path.join(ws.root, 'empty-path') } });

    expect(r.stderr).toBe('exec: "git": executable file not found in $PATH\n');
    expect(r.code).toBe(1);
  });

  describe('over HTTPS (git dumb HTTP) with a self-signed certificate', () => {
    it('fails without -skipCertVerify', async () => {
      ws = new Workspace();
      server = await startBuildpackServer({ tls: certs.selfSigned, staticDir: repos });
      const url = server.url('/prints-env.git');

      const r = await ws.stage([url]);

      expect(r.stderr).toBe(`Failed to clone git repository at ${url}\n`);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
      expect(server.requests).toEqual([]);
    });

    it('clones with -skipCertVerify=true (Q15 decision: the flag also applies to git), falling back to a full clone', async () => {
      ws = new Workspace();
      server = await startBuildpackServer({ tls: certs.selfSigned, staticDir: repos });
      const url = server.url('/prints-env.git#other-branch');

      const r = await ws.stage([url], { extra: ['-skipCertVerify=true'] });

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('');
      expect(r.code).toBe(0);
      expect(server.requests.length).toBeGreaterThan(0);
      expect(rawResult(ws)).toBe(successResult(url, 'Prints Env', 'web from the other branch'));
    });
  });
});
