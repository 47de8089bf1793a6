// The `getenv` helper (CONTRACT §9): writes the environment as a JSON array of NAME=value strings.
import fs from 'node:fs';
import { EXIT, goJson, parseFlags } from '@cf-lifecycle/contract';
import { writeStderr } from './output.ts';

export async function runGetenv(args: readonly string[]): Promise<number> {
  const parsed = parseFlags('getenv', [{ name: 'output', kind: 'string', default: '', usage: 'file to write the environment to' }], args);
  if (parsed.kind !== 'ok') {
    writeStderr(parsed.output);
    return parsed.kind === 'help' ? EXIT.getenv.Success : EXIT.getenv.FlagParse;
  }
  const output = parsed.values.output as string;
  if (output === '') {
    writeStderr('output file must not be empty\n');
    return EXIT.getenv.Failure;
  }
  const entries = Object.entries(process.env)
    .filter(([name]) => name !== '')
    .map(([name, value]) => `${name}=${value ?? ''}`);
  try {
    fs.writeFileSync(output, goJson(entries), { mode: 0o644 });
  } catch {
    writeStderr(`cannot write to output file: '${output}'\n`);
    return EXIT.getenv.Failure;
  }
  return EXIT.getenv.Success;
}
