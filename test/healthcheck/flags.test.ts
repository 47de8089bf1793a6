// The healthcheck's flags (ANCHORS §1.2): Go flag syntax through the shared parser, flag set
// `healthcheck`.
import { afterEach, describe, expect, it } from 'vitest';
import { Resources, runHealthcheck, tcpServer } from './helpers.ts';

const res = new Resources();
afterEach(() => res.closeAll());

const FLAG_LINES = [
  '  -liveness-interval duration',
  '  -network string',
  '  -port string',
  '  -readiness-interval duration',
  '  -readiness-timeout duration',
  '  -timeout duration',
  '  -uri string',
];

describe('flag errors', () => {
  it('an unknown flag: exit 2, the error then the usage on stderr, nothing on stdout', async () => {
    const result = await runHealthcheck(['-invalid_flag']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.startsWith('flag provided but not defined: -invalid_flag\nUsage of healthcheck:\n')).toBe(true);
    for (const line of FLAG_LINES) expect(result.stderr).toContain(`\n${line}\n`);
  });

  it('a duration that Go would not parse: exit 2', async () => {
    const result = await runHealthcheck(['-timeout=5']);
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith('invalid value "5" for flag -timeout: parse error\nUsage of healthcheck:\n')).toBe(true);
  });

  it('a flag without its value: exit 2', async () => {
    const result = await runHealthcheck(['-port']);
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith('flag needs an argument: -port\nUsage of healthcheck:\n')).toBe(true);
  });

  it('-h prints the usage with the defaults and exits 0', async () => {
    const result = await runHealthcheck(['-h']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr.startsWith('Usage of healthcheck:\n')).toBe(true);
    expect(result.stderr).toContain('(default "8080")');
    expect(result.stderr).toContain('(default "tcp")');
    expect(result.stderr).toContain('(default 1s)');
    expect(result.stderr).toContain('(default 1m0s)');
  });
});

describe('flag syntax', () => {
  it('accepts -name value, --name=value, and Go durations', async () => {
    const server = await tcpServer(res);
    const result = await runHealthcheck(['-port', String(server.port), '--timeout=1500ms', '-network', 'tcp']);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('ignores arguments after the flags, as Go does', async () => {
    const server = await tcpServer(res);
    const result = await runHealthcheck([`-port=${server.port}`, 'extra', '-bogus']);
    expect(result.code).toBe(0);
  });
});
