// terminal: true (an interactive `droplet shell`): runc gives the process a pseudo-terminal and copies
// between it and its own stdio, which must be a terminal; `script` provides one to the test.
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerError, startContainer } from '@cf-lifecycle/runner';
import { bash, holderPath, removeHolder, testRootfs, tracesAfter } from './helpers.ts';

let rootfs: string;
let hasScript = true;

beforeAll(async () => {
  rootfs = await testRootfs();
  await holderPath();
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
  } catch {
    hasScript = false;
  }
}, 900_000);

afterAll(removeHolder);

/** Runs the holder with `specs` inside `script` (a pty on its stdio), feeding `input`. */
async function inPty(specs: unknown[], input: string): Promise<{ code: number | null; output: string }> {
  const holder = await holderPath();
  const command = `${process.execPath} ${holder} '${JSON.stringify(specs)}'`;
  const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output: output.replaceAll('\r', '') };
}

describe('terminal: true', () => {
  it('the process has a terminal, reads what is typed, and its status is reported', async (ctx) => {
    if (!hasScript) ctx.skip();

    const r = await inPty([bash(rootfs, 'tty; echo TERM=$TERM; read -r line; echo got:$line; exit 7', { terminal: true })], 'hello\n');

    expect(r.output).toMatch(/^\/dev\/pts\/0$/m);
    expect(r.output).toMatch(/^TERM=xterm$/m);
    expect(r.output).toMatch(/^got:hello$/m);
    const id = /^exited (\S+) 7$/m.exec(r.output)?.[1];
    expect(id).toBeDefined();
    expect(await tracesAfter(id!)).toEqual([]);
  });

  it("needs stdio 'inherit'", async () => {
    await expect(startContainer({ ...bash(rootfs, 'true'), terminal: true, stdio: 'pipe' })).rejects.toThrow(
      new RunnerError("terminal: true needs stdio: 'inherit' (runc copies between the terminal and its own stdio)"),
    );
  });

  it('needs a terminal on stdin (the test runner has none)', async () => {
    await expect(startContainer({ ...bash(rootfs, 'true'), terminal: true })).rejects.toThrow(new RunnerError('terminal: true needs a terminal on stdin'));
  });
});
