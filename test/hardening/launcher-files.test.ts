// The files the launcher, the shell and the builder read before they start anything, planted by a
// hostile droplet or a broken cell: staging_info.yml (CONTRACT §3.2) and the CredHub client's
// certificate, key and CA files (§6 step 3). Each has a cap (docs/security.md); beyond it, or for a
// FIFO, a directory or a device where a file belongs, the built executables print one line and exit
// with their documented status, and their peak memory stays small (GNU time measures it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateCertificates, type TestCertificates } from '../helpers/certs.ts';
import { Droplet, LAUNCHER, SHELL, baseEnv, credhubIdentity, killLeftovers, launcherStdout, platformOptions } from '../helpers/launch.ts';
import { runMeasured, type MeasuredRun } from '../helpers/peak-memory.ts';
import { BUILDER, ROOT, Workspace } from '../helpers/stage.ts';

const MiB = 1024 * 1024;
// The launcher alone peaks near 55 MiB; reading a 200 MB file would take it past 400 MiB.
const PEAK_LIMIT_MIB = 100;

let droplet: Droplet;
beforeEach(() => {
  droplet = new Droplet();
});
afterEach(() => {
  killLeftovers();
  droplet.cleanup();
});

/** Runs `file` from the droplet root under GNU time. */
function measured(file: string, args: readonly string[], env: Record<string, string> = baseEnv()): Promise<MeasuredRun> {
  return runMeasured(file, args, { env, cwd: droplet.root, timeoutMs: 20_000 });
}

/** Exactly one line on stderr (no stack trace, no path of this machine), nothing on stdout. */
function expectOneLine(r: MeasuredRun, line: string, code: number): void {
  expect(r.stderr).toBe(line);
  expect(r.stderr).not.toContain(ROOT);
  expect(r.stdout).toBe('');
  expect(r.code).toBe(code);
  expect(r.peakMiB).toBeLessThan(PEAK_LIMIT_MIB);
}

describe('staging_info.yml (CONTRACT §3.2): at most 1 MiB, a regular file', () => {
  it('a 200 MB staging_info.yml (sparse) is refused unread: one line, exit 1', async () => {
    fs.writeFileSync(droplet.path('staging_info.yml'), '{"start_command":"echo never"}');
    fs.truncateSync(droplet.path('staging_info.yml'), 200_000_000);

    const r = await measured(LAUNCHER, ['app', '', '{}']);

    expectOneLine(r, 'Invalid staging info - staging_info.yml is too large: 200000000 bytes, at most 1 MiB are read', 1);
  });

  it('a FIFO: refused at once (no writer needed, nothing waits), one line, exit 1', async () => {
    execFileSync('mkfifo', [droplet.path('staging_info.yml')]);

    const r = await measured(LAUNCHER, ['app', 'echo never', '{}']);

    expectOneLine(r, 'Invalid staging info - staging_info.yml is a FIFO (named pipe); give a regular file', 1);
  });

  it("a directory: the reference's line, exit 1", async () => {
    droplet.mkdir('staging_info.yml');

    const r = await measured(LAUNCHER, ['app', 'echo never', '{}']);

    expectOneLine(r, 'Invalid staging info - read staging_info.yml: is a directory', 1);
  });

  it('a symlink to /dev/zero: refused before a byte is read, one line, exit 1', async () => {
    fs.symlinkSync('/dev/zero', droplet.path('staging_info.yml'));

    const r = await measured(LAUNCHER, ['app', 'echo never', '{}']);

    expectOneLine(r, 'Invalid staging info - staging_info.yml is a character device; give a regular file', 1);
  });

  it('a file of exactly 1 MiB is read and used; one byte more is refused', async () => {
    const json = '{"start_command":"echo from staging info"}';
    fs.writeFileSync(droplet.path('staging_info.yml'), json + ' '.repeat(MiB - json.length));

    const ok = await measured(LAUNCHER, ['app', '', '{}']);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe(launcherStdout('from staging info\n'));
    expect(ok.code).toBe(0);

    fs.appendFileSync(droplet.path('staging_info.yml'), ' ');
    const refused = await measured(LAUNCHER, ['app', '', '{}']);
    expectOneLine(refused, `Invalid staging info - staging_info.yml is too large: ${MiB + 1} bytes, at most 1 MiB are read`, 1);
  });
});

describe("the CredHub client's files (CONTRACT §6 step 3): at most 1 MiB each, regular files", () => {
  let certs: TestCertificates;
  beforeAll(() => {
    certs = generateCertificates();
  });
  afterAll(() => certs.cleanup());

  const PREFIX = 'Unable to interpolate credhub refs: Unable to set up credhub client: ';

  /** Everything interpolation needs but a server: set-up fails before any request is made. */
  function credhubEnv(extra: Record<string, string> = {}): Record<string, string> {
    return baseEnv({
      ...credhubIdentity(droplet, certs.client, certs.ca),
      VCAP_PLATFORM_OPTIONS: platformOptions('https://127.0.0.1:9'),
      VCAP_SERVICES: '{"vault":[{"credentials":{"credhub-ref":"((/c/vault))"}}]}',
      ...extra,
    });
  }

  it('CF_INSTANCE_CERT a symlink to /dev/zero: launcher exit 3, shell exit 1, one line naming the variable', async () => {
    const zero = droplet.path('instance.crt');
    fs.symlinkSync('/dev/zero', zero);
    const env = credhubEnv({ CF_INSTANCE_CERT: zero });

    const line = `${PREFIX}CF_INSTANCE_CERT ${zero} is a character device; give a regular file`;
    expectOneLine(await measured(LAUNCHER, ['app', 'echo never', '{}'], env), line, 3);
    expectOneLine(await measured(SHELL, ['app', 'echo never'], env), line, 1);
  });

  it('CF_INSTANCE_KEY of 200 MB (sparse): refused unread, one line, launcher exit 3', async () => {
    const key = droplet.path('instance.key');
    fs.writeFileSync(key, certs.client.key);
    fs.truncateSync(key, 200_000_000);

    const r = await measured(LAUNCHER, ['app', 'echo never', '{}'], credhubEnv({ CF_INSTANCE_KEY: key }));

    expectOneLine(r, `${PREFIX}CF_INSTANCE_KEY ${key} is too large: 200000000 bytes, at most 1 MiB are read`, 3);
  });

  it('a FIFO named *.crt in CF_SYSTEM_CERT_PATH: refused at once, one line, launcher exit 3', async () => {
    const env = credhubEnv();
    const fifo = path.join(env.CF_SYSTEM_CERT_PATH!, 'pipe.crt');
    execFileSync('mkfifo', [fifo]);

    const r = await measured(LAUNCHER, ['app', 'echo never', '{}'], env);

    expectOneLine(r, `${PREFIX}Can't read contents of cert in system cert path: ${fifo} is a FIFO (named pipe); give a regular file`, 3);
  });

  it("a *.crt of 2 MiB: refused, one line; a directory named *.crt keeps the reference's text", async () => {
    const env = credhubEnv();
    const big = path.join(env.CF_SYSTEM_CERT_PATH!, 'big.crt');
    fs.writeFileSync(big, certs.ca.cert.repeat(Math.ceil((2 * MiB) / certs.ca.cert.length)).slice(0, 2 * MiB));

    expectOneLine(
      await measured(LAUNCHER, ['app', 'echo never', '{}'], env),
      `${PREFIX}Can't read contents of cert in system cert path: ${big} is too large: ${2 * MiB} bytes, at most 1 MiB are read`,
      3,
    );

    fs.rmSync(big);
    fs.mkdirSync(big);
    const line = `${PREFIX}Can't read contents of cert in system cert path: read ${big}: is a directory`;
    expectOneLine(await measured(LAUNCHER, ['app', 'echo never', '{}'], env), line, 3);
  });

  it('the builder reads them with the same caps: CF_INSTANCE_KEY a symlink to /dev/zero, exit 4', async () => {
    const ws = new Workspace();
    try {
      ws.installBuildpack('always-detects');
      const zero = droplet.path('instance.key');
      fs.symlinkSync('/dev/zero', zero);
      const env = { ...credhubEnv({ CF_INSTANCE_KEY: zero }), TMPDIR: ws.tmpDir };

      const r = await runMeasured(BUILDER, ws.args(['always-detects']), { env, cwd: ws.root, timeoutMs: 30_000 });

      expectOneLine(r, `${PREFIX}CF_INSTANCE_KEY ${zero} is a character device; give a regular file`, 4);
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
    } finally {
      ws.cleanup();
    }
  });
});
