// Entry point of the lifecycle bundle. Every executable in dist/lifecycle/ is the same binary (hard
// links); it runs the command named by the file it was started as.
import path from 'node:path';
import { runBuilder } from '@cf-lifecycle/builder';
import { runGetenv, runLauncher, runShell } from '@cf-lifecycle/launcher';

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  builder: runBuilder,
  launcher: runLauncher,
  shell: runShell,
  getenv: runGetenv,
};

async function main(): Promise<number> {
  // In the single executable, argv is [execPath, argv0, ...args]; under plain node the command is argv[2].
  let sea = false;
  try {
    sea = (await import('node:sea')).isSea();
  } catch {
    sea = false;
  }
  let name = path.basename(process.execPath);
  let args = process.argv.slice(2);
  if (!sea) {
    name = process.argv[2] ?? '';
    args = process.argv.slice(3);
  } else if (!(name in COMMANDS)) {
    name = path.basename(process.argv0);
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`lifecycle: unknown command '${name}'; run this binary as one of: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 1;
  }
  return command(args);
}

// Exit explicitly: writes to pipes and files are synchronous on Linux, and no stray handle may keep
// a finished builder alive.
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  },
);
