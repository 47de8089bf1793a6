import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunnerError } from './errors.ts';
import { checkNatTools } from './network.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'network-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function tool(name: string): void {
  fs.writeFileSync(path.join(dir, name), '#!/bin/sh\n', { mode: 0o755 });
}

describe('checkNatTools', () => {
  it('says in one line how to get slirp4netns, then unshare, and finds them once there', () => {
    const missing = "network 'nat' needs slirp4netns: apt-get install slirp4netns (or use network 'host' or 'isolated')";
    expect(() => checkNatTools([dir])).toThrow(new RunnerError(missing));
    tool('slirp4netns');
    expect(() => checkNatTools([dir])).toThrow(new RunnerError("network 'nat' needs unshare (util-linux): apt-get install util-linux"));
    tool('unshare');
    expect(checkNatTools([dir])).toEqual({ slirp: path.join(dir, 'slirp4netns'), unshare: path.join(dir, 'unshare') });
  });
});
