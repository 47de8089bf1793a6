// Text from a droplet, its metadata, OSV records and file names reaches people's terminals through
// `droplet inspect`, `scan`, `advise` and the CLI's log lines (docs/security.md, "Terminal output").
// A hostile buildpack's detect output or metadata with ESC, OSC (`ESC ] 0 ; title BEL`), CR and bidi
// overrides must come out escaped: not one raw control byte on stdout or stderr. JSON output stays
// valid JSON whose strings are exactly the originals.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, dep, makeDroplet, metadata, OSV, RAW_CONTROL, scratchDir } from './cli-fixtures.ts';

const OSC_TITLE = '\x1b]0;pwned\x07';
const CLEAR = '\x1b[2J\x1b[H';
const DETECT = `Python${OSC_TITLE}${CLEAR}\rforged: line\u202egnp.exe`;
const BP_NAME = 'python\x1b[31m-web\x1b[0m';
const PROCESS = 'python3 server.py\rweb: rm -rf /';
const APP = 'hello\nstack       forged 9.9.9';
const SOURCE = `app/package-lock.json${OSC_TITLE}\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07`;

let work: string;
let droplet: string;

beforeAll(() => {
  work = scratchDir('cli-terminal-');
  // A file name a hostile party chose, holding ESC and a bidi override too.
  droplet = path.join(work, `app${CLEAR}\u202e.droplet`);
  makeDroplet(droplet, {
    lifecycleFirst: true,
    metadata: metadata({
      app: { name: APP, digest: `sha256:${'a'.repeat(64)}`, files: 1 },
      stack: { name: `cflinuxfs2${OSC_TITLE}`, version: '1.0.0', source: 'version-file' },
      buildpacks: [{ key: 'python-web', name: BP_NAME, version: '1.0.0\x9b31m', detectOutput: DETECT, source: { type: 'directory' } }],
      processTypes: { [`web${CLEAR}`]: PROCESS },
      dependencies: [dep('npm', 'lodash', '4.17.15', SOURCE), dep('npm', `minimist${OSC_TITLE}`, '1.2.5')],
      executables: { static: [`app/bin/tool\r${CLEAR}`], dynamic: 0 },
      hooks: [{ name: `scan\x1b[5m`, phase: 'post-build', kind: 'exec', outcome: 'allow\u2066', findings: [] }],
    }),
  });
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function expectNoRawControl(what: string, text: string): void {
  const found = RAW_CONTROL.exec(text);
  const at = found?.index ?? 0;
  const code = found?.[0].charCodeAt(0).toString(16).padStart(4, '0');
  expect(found, `${what}: raw U+${code} at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 40))}`).toBeNull();
}

describe('droplet inspect', () => {
  it('text: every value escaped, no raw control byte on stdout or stderr', async () => {
    const r = await cli(['inspect', droplet]);
    expect(r.code).toBe(0);
    expectNoRawControl('stdout', r.stdout);
    expectNoRawControl('stderr', r.stderr);
    expect(r.stdout).toContain('detect: Python\\x1b]0;pwned\\x07\\x1b[2J\\x1b[H\\rforged: line\\u202egnp.exe');
    expect(r.stdout).toContain('python\\x1b[31m-web\\x1b[0m');
    expect(r.stdout).toContain(`app         hello\\nstack       forged 9.9.9  sha256:${'a'.repeat(64)}  1 file\n`);
    expect(r.stdout).toContain('web\\x1b[2J\\x1b[H:  python3 server.py\\rweb: rm -rf /\n');
    expect(r.stdout).toContain(`droplet     ${path.join(work, 'app\\x1b[2J\\x1b[H\\u202e.droplet')}\n`);
    // The layout has its own lines only: the forged ones stay inside the values.
    expect(r.stdout.split('\n').filter((l) => l.startsWith('stack'))).toEqual(['stack       cflinuxfs2\\x1b]0;pwned\\x07 1.0.0  (from version-file)']);
  });

  it('JSON: valid, with the exact original strings, and still no raw control character', async () => {
    const r = await cli(['inspect', droplet, '--json']);
    expect(r.code).toBe(0);
    expectNoRawControl('stdout', r.stdout);
    const doc = JSON.parse(r.stdout);
    expect(doc.path).toBe(droplet);
    expect(doc.metadata.buildpacks[0].detectOutput).toBe(DETECT);
    expect(doc.metadata.buildpacks[0].name).toBe(BP_NAME);
    expect(doc.metadata.buildpacks[0].version).toBe('1.0.0\x9b31m');
    expect(doc.metadata.app.name).toBe(APP);
    expect(doc.metadata.processTypes).toEqual({ [`web${CLEAR}`]: PROCESS });
    expect(doc.metadata.hooks[0].outcome).toBe('allow\u2066');
  });

  it('errors name hostile paths escaped too', async () => {
    const missing = path.join(work, `gone${OSC_TITLE}.droplet`);
    const r = await cli(['inspect', missing]);
    expect(r.stderr).toBe(`droplet inspect: ${path.join(work, 'gone\\x1b]0;pwned\\x07.droplet')}: no such file or directory\n`);
    expect(r.code).toBe(2);
  });
});

describe('droplet scan and advise', () => {
  it('scan: findings, warnings and errors escaped in text; exact in JSON', async () => {
    const text = await cli(['scan', droplet, '--osv', OSV]);
    expect(text.code).toBe(0);
    expectNoRawControl('stdout', text.stdout);
    expectNoRawControl('stderr', text.stderr);
    expect(text.stdout).toContain('lodash (npm)');
    const json = await cli(['scan', droplet, '--osv', OSV, '--json']);
    expectNoRawControl('stdout', json.stdout);
    const report = JSON.parse(json.stdout);
    expect(report.findings.find((f: { package: string }) => f.package === 'lodash').source).toBe(SOURCE);
    expect(report.findings[0].target).toBe(droplet);

    // A directory walk's warning names a hostile file.
    const dir = path.join(work, 'walk');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, `bad${CLEAR}.json`), '{');
    fs.copyFileSync(droplet, path.join(dir, 'ok.droplet'));
    const walk = await cli(['scan', dir, '--osv', OSV]);
    expectNoRawControl('stderr', walk.stderr);
    expect(walk.stderr).toContain(`droplet scan: warning: ${path.join(dir, 'bad\\x1b[2J\\x1b[H.json')}: skipped: invalid JSON`);
  });

  it('advise: reasons and notes escaped', async () => {
    const buildpacks = path.join(work, 'buildpacks.yml');
    fs.writeFileSync(buildpacks, JSON.stringify({ buildpacks: [{ name: BP_NAME, version: '2.0.0' }] }));
    const r = await cli(['advise', droplet, '--stack-version', '1.0.0', '--buildpacks', buildpacks, '--osv', OSV]);
    expect(r.code).toBe(0);
    expectNoRawControl('stdout', r.stdout);
    expectNoRawControl('stderr', r.stderr);
    expect(r.stdout).toContain('restage  buildpack python\\x1b[31m-web\\x1b[0m 1.0.0\\x9b31m → 2.0.0');
    expect(r.stdout).toContain('note: ');
  });
});

describe("the CLI's own log lines", () => {
  it('run: hostile file names and option values are escaped in text logs; exact in JSON logs', async () => {
    const missing = path.join(work, `x${OSC_TITLE}\r.droplet`);
    const run = await cli(['run', missing]);
    expect(run.stderr).toBe(`droplet: ${path.join(work, 'x\\x1b]0;pwned\\x07\\r.droplet')}: no such droplet file (stage one with \`droplet stage\`)\n`);
    expect(run.code).toBe(1);
    const port = await cli(['run', droplet, '--port', `80${CLEAR}`]);
    expect(port.stderr).toBe('droplet: --port 80\\x1b[2J\\x1b[H: not a whole number\n');
    expect(port.code).toBe(2);
    const json = await cli(['--log-format', 'json', 'run', missing]);
    expectNoRawControl('stderr', json.stderr);
    expect(JSON.parse(json.stderr).msg).toBe(`${missing}: no such droplet file (stage one with \`droplet stage\`)`);
  });
});
