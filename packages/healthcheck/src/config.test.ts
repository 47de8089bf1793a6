import { describe, expect, it } from 'vitest';
import { parseHealthcheckArgs } from './config.ts';

describe('parseHealthcheckArgs', () => {
  it('defaults: TCP port 8080, 1s per check, one check', () => {
    expect(parseHealthcheckArgs([])).toEqual({
      kind: 'config',
      config: {
        target: { network: 'tcp', port: '8080' },
        uri: '',
        checkTimeoutMs: 1000,
        readinessIntervalMs: 0,
        readinessTimeoutMs: 60_000,
        livenessIntervalMs: 0,
      },
    });
  });

  it('-network=unix makes -port the socket path', () => {
    const parsed = parseHealthcheckArgs(['-network=unix', '-port=/tmp/app.sock']);
    expect(parsed.kind === 'config' && parsed.config.target).toEqual({ network: 'unix', socketPath: '/tmp/app.sock' });
  });

  it('zero or negative -timeout and -readiness-timeout mean no limit', () => {
    const parsed = parseHealthcheckArgs(['-timeout=0', '-readiness-timeout=-1s']);
    expect(parsed.kind === 'config' && [parsed.config.checkTimeoutMs, parsed.config.readinessTimeoutMs]).toEqual([Infinity, Infinity]);
  });

  it('an unknown network is kept for the check to report', () => {
    const parsed = parseHealthcheckArgs(['-network=udp']);
    expect(parsed.kind === 'config' && parsed.config.target).toEqual({ network: 'unsupported', name: 'udp', port: '8080' });
  });
});
