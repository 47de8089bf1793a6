// `droplet stage --hooks-config` keeps hook secrets out of the staging container (docs/hooks.md,
// "Trust model"). Before: the config's whole directory was mounted into the container and the HMAC
// secret file had to be readable by vcap, so any buildpack could read it and sign hook events itself.
// Now HTTP hooks run in the CLI, on the host, and the builder gets only the exec and builtin hooks.
//
// The buildpack here searches everything it can read (every file of the container's filesystem, every
// /proc/*/environ and /proc/*/cmdline) for the secret, and fails staging if it finds it; to show the
// search works it must find a canary planted in the app bits. The HTTPS hook server (127.0.0.1, a CA
// made by the test) receives correctly signed events for all three phases all the same.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHookServer, type HookServer, type Respond } from '../helpers/hooks/hook-server.ts';
import { generateCertificates, type TestCertificates } from '../helpers/certs.ts';
import { DROPLET_CLI } from '../helpers/stage.ts';
import { expectNothingLeft, filesHolding, stageScratch, writeApp, writeBuildpack, type StageScratch } from './stage-helpers.ts';

const SECRET = 'hook-secret-NEVER-IN-STAGING-5c0ffee1d2e3f4a5';
const CANARY = 'canary-IN-THE-APP-BITS-77a0c3';
const reversed = (text: string) => [...text].reverse().join('');

let s: StageScratch;
let certs: TestCertificates;
let server: HookServer;
let answers: Record<string, Respond>;
let hooksDir: string;
let out: string;

const allow: Respond = (_req, res) => {
  res.writeHead(204);
  res.end();
};

beforeAll(async () => {
  s = stageScratch('stage-hook-secrets');
  certs = generateCertificates();
  answers = {};
  server = await startHookServer({
    secret: SECRET,
    tls: { cert: certs.server.cert, key: certs.server.key },
    routes: new Proxy({}, { get: (_t, p: string) => answers[p] ?? allow, has: () => true }) as Record<string, Respond>,
  });
  hooksDir = path.join(s.dir, 'hooks');
  fs.mkdirSync(path.join(hooksDir, 'sboms'), { recursive: true });
  // Readable by anyone: the old design needed that, and it makes the search below a real one.
  fs.writeFileSync(path.join(hooksDir, 'hook.secret'), `${SECRET}\n`, { mode: 0o644 });
  fs.copyFileSync(certs.ca.certFile, path.join(hooksDir, 'ca.pem'));
  fs.writeFileSync(path.join(hooksDir, 'inside'), '#!/bin/bash\necho \'{"decision": "allow", "message": "exec hook ran in the builder"}\'\n', { mode: 0o755 });
  out = path.join(s.dir, 'out');
  fs.mkdirSync(out);
}, 60_000);

afterAll(async () => {
  await server.close();
  certs.cleanup();
  s.cleanup();
});

function writeConfig(name: string, extra = ''): string {
  const http = (hook: string, phase: string) =>
    `  - {name: ${hook}, kind: http, phase: ${phase}, url: '${server.url(`/${hook}`)}', secretFile: hook.secret, caFile: ca.pem, timeout: 10s}\n`;
  const file = path.join(hooksDir, name);
  fs.writeFileSync(
    file,
    `hooks:\n${http('scan-bits', 'pre-detect')}${http('scan-build', 'post-build')}${http('scan-droplet', 'post-package')}` +
      `  - {name: inside, kind: exec, phase: post-build, path: inside}\n` +
      `  - {name: keep-sbom, kind: builtin, builtin: sbom, phase: post-package, options: {output: sboms/latest.cdx.json}}\n${extra}`,
  );
  return file;
}

// Searches every readable file (each inode once) and every process's environ and cmdline for the
// secret and the canary, both kept reversed here so that this script holds neither.
const SEARCH = `
import os, sys
secret, canary = ${JSON.stringify(reversed(SECRET))}[::-1].encode(), ${JSON.stringify(reversed(CANARY))}[::-1].encode()
found = {secret: [], canary: []}
count = {'files': 0, 'bytes': 0, 'processes': 0}
def search(path):
    try:
        with open(path, 'rb') as f:
            tail = b''
            count['files'] += 1
            while True:
                chunk = f.read(1 << 20)
                if not chunk: break
                count['bytes'] += len(chunk)
                data = tail + chunk
                for m in found:
                    if m in data and path not in found[m]: found[m].append(path)
                tail = data[-64:]
    except OSError:
        pass
seen = set()
for root, dirs, files in os.walk('/'):
    if root == '/': dirs[:] = [d for d in dirs if d not in ('proc', 'sys', 'dev')]
    for name in files:
        p = os.path.join(root, name)
        try:
            st = os.lstat(p)
        except OSError:
            continue
        if not os.path.isfile(p) or os.path.islink(p) or (st.st_dev, st.st_ino) in seen: continue
        seen.add((st.st_dev, st.st_ino))
        search(p)
for pid in os.listdir('/proc'):
    if pid.isdigit() and int(pid) != os.getpid():
        search(f'/proc/{pid}/environ'); search(f'/proc/{pid}/cmdline'); count['processes'] += 1
print(f"searched {count['files']} files ({count['bytes'] >> 20} MiB) and {count['processes']} processes")
print('canary found in: ' + ' '.join(found[canary]))
print('secret found in: ' + ' '.join(found[secret]))
sys.exit(1 if found[secret] or not found[canary] else 0)
`;

describe('droplet stage --hooks-config with signed HTTP hooks', () => {
  it('no file or process environment in the container holds the secret; the hook server gets signed events for all three phases', async () => {
    const app = writeApp(path.join(s.dir, 'apps', 'searched'), { 'canary.txt': `${CANARY}\n` });
    const bp = writeBuildpack(path.join(s.dir, 'buildpacks', 'searcher'), { compile: 'python3 "$(dirname "$0")/search.py"', extra: { 'search.py': SEARCH } });
    const droplet = path.join(out, 'searched.droplet');
    server.received.length = 0;
    // The pre-detect hook reads the app bits where the event says they are, while it runs.
    let bitsSeen = '';
    answers['/scan-bits'] = (req, res) => {
      bitsSeen = fs.readFileSync(path.join(JSON.parse(req.body).paths.buildDir, 'canary.txt'), 'utf8');
      allow(req, res);
    };

    const r = await s.cli(['stage', app, '-b', bp, '--hooks-config', writeConfig('hooks.yml'), '-o', droplet]);
    delete answers['/scan-bits'];

    expect(r.stdout).toMatch(/canary found in: \/tmp\/app\/canary\.txt\n/);
    expect(r.stdout).toContain('secret found in: \n');
    // The whole filesystem was searched (8155 files, 386 MiB and 4 processes when this was written).
    expect(Number(/searched (\d+) files/.exec(r.stdout)?.[1])).toBeGreaterThan(5000);
    expect(r.code).toBe(0);
    // Every event arrived signed with the secret, in phase order, from the CLI.
    expect(server.received.map((q) => [q.path, q.verified, JSON.parse(q.body).phase])).toEqual([
      ['/scan-bits', true, 'pre-detect'],
      ['/scan-build', true, 'post-build'],
      ['/scan-droplet', true, 'post-package'],
    ]);
    const events = server.received.map((q) => JSON.parse(q.body));
    expect(events[0].buildpacks).toEqual([{ key: 'searcher' }]);
    expect(bitsSeen).toBe(`${CANARY}\n`);
    expect(events[2]).toMatchObject({ app: { name: 'searched' }, buildpacks: [{ key: 'searcher', name: 'searcher' }], processTypes: { web: 'sleep 1' } });
    expect(Object.keys(events[2].paths).sort()).toEqual(['buildDir', 'droplet', 'sbom', 'stagingMetadata']);
    // The exec and builtin hooks ran in the builder; every run is recorded beside the droplet, in order.
    const metadata = JSON.parse(fs.readFileSync(`${droplet}.metadata.json`, 'utf8'));
    expect(metadata.hooks.map((h: { name: string; phase: string; kind: string; outcome: string }) => `${h.phase} ${h.kind} ${h.name} ${h.outcome}`)).toEqual([
      'pre-detect http scan-bits allow',
      'post-build exec inside allow',
      'post-package builtin keep-sbom allow',
      'post-build http scan-build allow',
      'post-package http scan-droplet allow',
    ]);
    expect(r.stdout).toContain('inside: allow in');
    // The builtin's copy of the SBOM reached the path its config names, on the host.
    expect(JSON.parse(fs.readFileSync(path.join(hooksDir, 'sboms', 'latest.cdx.json'), 'utf8')).bomFormat).toBe('CycloneDX');
    // Nor did the secret reach any output or log.
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(filesHolding(out, SECRET)).toEqual([]);
    expect(filesHolding(path.join(s.cache, 'app-caches'), SECRET)).toEqual([]);
    expectNothingLeft(s);
  }, 300_000);

  it("a required CLI-side hook that denies at post-package: 227 with the builder's message, no droplet, no cache saved", async () => {
    const app = writeApp(path.join(s.dir, 'apps', 'denied'));
    const bp = writeBuildpack(path.join(s.dir, 'buildpacks', 'plain'), { compile: 'echo "-----> plain: compiled"; echo x > "$2/cached"' });
    const droplet = path.join(out, 'denied.droplet');
    answers['/scan-droplet'] = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ decision: 'deny', message: 'banned package left-pad' }));
    };
    try {
      const r = await s.cli(['stage', app, '-b', bp, '--hooks-config', writeConfig('deny.yml'), '-o', droplet]);

      expect(r.stdout).toContain('-----> plain: compiled');
      expect(r.stderr).toContain("Staging denied by hook 'scan-droplet' (post-package): banned package left-pad\n");
      const last = "droplet: staging ended by hook 'scan-droplet' (post-package, run by droplet stage) with status 227; no droplet was written\n";
      expect(r.stderr.endsWith(last)).toBe(true);
      expect(r.code).toBe(227);
      expect(fs.readdirSync(out).filter((f) => f.startsWith('denied'))).toEqual([]);
      expect(fs.readdirSync(path.join(s.cache, 'app-caches')).filter((f) => f.startsWith('denied'))).toEqual([]);
      expectNothingLeft(s);
    } finally {
      delete answers['/scan-droplet'];
    }
  }, 300_000);

  it('SIGTERM while a CLI-side hook runs: exit 143, no temporary beside -o, nothing published', async () => {
    const app = writeApp(path.join(s.dir, 'apps', 'interrupted'));
    const bp = writeBuildpack(path.join(s.dir, 'buildpacks', 'plain-too'), { compile: 'true' });
    const dir = path.join(out, 'interrupted');
    fs.mkdirSync(dir);
    let hanging: ServerResponse | undefined;
    const asked = new Promise<void>((resolve) => {
      answers['/scan-build'] = (_req, res) => {
        hanging = res; // answered only after the test
        resolve();
      };
    });
    try {
      const child = spawn(
        process.execPath,
        [DROPLET_CLI, 'stage', app, '-b', bp, '--hooks-config', writeConfig('hang.yml'), '-o', path.join(dir, 'web.droplet')],
        {
          env: { ...process.env, TMPDIR: s.tmp, CF_LIFECYCLE_CACHE: s.cache },
          stdio: ['ignore', 'ignore', 'ignore'],
        },
      );
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      await asked;
      // The droplet and its companions wait beside -o under temporary names while the hook runs.
      expect(fs.readdirSync(dir).filter((f) => f.includes('.staging-')).length).toBeGreaterThan(0);

      child.kill('SIGTERM');

      expect(await closed).toBe(143);
      expect(fs.readdirSync(dir)).toEqual([]);
      expectNothingLeft(s);
    } finally {
      hanging?.end();
      delete answers['/scan-build'];
    }
  }, 300_000);

  it("a required CLI-side pre-detect hook that fails: 228 with the builder's message, before any staging code runs", async () => {
    const app = writeApp(path.join(s.dir, 'apps', 'failed'));
    const bp = writeBuildpack(path.join(s.dir, 'buildpacks', 'never-runs'), { detect: 'echo "-----> detect ran"; echo never-runs', compile: 'true' });
    answers['/scan-bits'] = (_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('scanner broken\n');
    };
    try {
      const r = await s.cli(['stage', app, '-b', bp, '--hooks-config', writeConfig('fail.yml'), '-o', path.join(out, 'failed.droplet')]);

      expect(r.stderr).toContain("Hook 'scan-bits' (pre-detect) failed: HTTP 500: scanner broken\n");
      expect(r.code).toBe(228);
      expect(r.stdout).not.toContain('detect ran');
      expect(fs.readdirSync(out).filter((f) => f.startsWith('failed'))).toEqual([]);
      expectNothingLeft(s);
    } finally {
      delete answers['/scan-bits'];
    }
  }, 300_000);
});
