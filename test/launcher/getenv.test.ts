// CONTRACT §9 getenv (`getenv -output <file>`, flags per §1.1, JSON per §1.2), run as the built
// `dist/lifecycle/getenv` process with an exact environment.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Droplet, GETENV, exec, killLeftovers } from '../helpers/launch.ts';

let dir: Droplet;
beforeEach(() => {
  dir = new Droplet();
});
afterEach(() => {
  killLeftovers();
  dir.cleanup();
});

const getenv = (args: readonly string[], env: Record<string, string> = { A: '1' }) => exec(GETENV, args, { env, cwd: dir.root });

/** Runs getenv under `sh` with the given umask (the environment then also holds what sh exports). */
const getenvWithUmask = (umask: string, output: string) =>
  exec('/bin/sh', ['-c', `umask ${umask} && exec "$0" "$@"`, GETENV, '-output', output], { env: { ONLY: 'this' }, cwd: dir.root });

describe('CONTRACT §9 getenv', () => {
  it.each([[[]], [['-output=']], [['-output', '']], [['--output=']]])('%j: `output file must not be empty` + newline, exit 1', async (args) => {
    const r = await getenv(args);

    expect(r.stderr).toBe('output file must not be empty\n');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
  });

  it("writes the environment as a JSON array of NAME=value in the environment's order, no trailing newline", async () => {
    const output = dir.path('env.json');
    const env = {
      ZED: 'first in the environment',
      ALPHA: '<html> & "quotes" \\ back\'slash',
      WITH_EQUALS: 'a=b=c',
      EMPTY: '',
      CONTROL: 'tab\tnewline\nctrl\u0001',
      UNICODE: 'é \u2028 \u2029 ✓',
    };

    const r = await getenv(['-output', output], env);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(output, 'utf8')).toBe(
      '["ZED=first in the environment",' +
        '"ALPHA=\\u003chtml\\u003e \\u0026 \\"quotes\\" \\\\ back\'slash",' +
        '"WITH_EQUALS=a=b=c",' +
        '"EMPTY=",' +
        '"CONTROL=tab\\tnewline\\nctrl\\u0001",' +
        '"UNICODE=é \\u2028 \\u2029 ✓"]',
    );
  });

  it('keeps the order it was given, whatever it is', async () => {
    const output = dir.path('env.json');

    const r = await getenv([`-output=${output}`], { B: '2', C: '3', A: '1' });

    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(output, 'utf8'))).toEqual(['B=2', 'C=3', 'A=1']);
  });

  it('omits entries whose name is empty (`=C:=C:\\Users\\vagrant`)', async () => {
    const output = dir.path('env.json');

    const r = await getenv(['-output', output], { BEFORE: 'x', '=C:': 'C:\\Users\\vagrant', AFTER: 'y' });

    expect(r.code).toBe(0);
    expect(fs.readFileSync(output, 'utf8')).toBe('["BEFORE=x","AFTER=y"]');
  });

  it('an empty environment is an empty array', async () => {
    const output = dir.path('env.json');

    const r = await getenv(['-output', output], {});

    expect(r.code).toBe(0);
    expect(fs.readFileSync(output, 'utf8')).toBe('[]');
  });

  it('creates the file with mode 0644 (umask 022)', async () => {
    const output = dir.path('env.json');

    const r = await getenvWithUmask('022', output);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.statSync(output).mode & 0o777).toBe(0o644);
    expect(JSON.parse(fs.readFileSync(output, 'utf8'))).toContain('ONLY=this');
  });

  it('asks for 0644, not more (umask 000)', async () => {
    const output = dir.path('env.json');

    const r = await getenvWithUmask('000', output);

    expect(r.code).toBe(0);
    expect(fs.statSync(output).mode & 0o777).toBe(0o644);
  });

  it("replaces an existing file's content entirely", async () => {
    const output = dir.write('env.json', 'x'.repeat(10_000));

    const r = await getenv(['--output', output], { A: '1' });

    expect(r.code).toBe(0);
    expect(fs.readFileSync(output, 'utf8')).toBe('["A=1"]');
  });

  it('a relative -output is relative to the cwd', async () => {
    const r = await getenv(['-output=relative.json'], { A: '1' });

    expect(r.code).toBe(0);
    expect(dir.read('relative.json')).toBe('["A=1"]');
  });

  it("a directory as output: `cannot write to output file: '<path>'` + newline, exit 1", async () => {
    const output = dir.mkdir('a-directory');

    const r = await getenv(['-output', output]);

    expect(r.stderr).toBe(`cannot write to output file: '${output}'\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
  });

  it('an output in a missing directory: the same error', async () => {
    const output = dir.path('missing', 'env.json');

    const r = await getenv([`-output=${output}`]);

    expect(r.stderr).toBe(`cannot write to output file: '${output}'\n`);
    expect(r.code).toBe(1);
  });
});
