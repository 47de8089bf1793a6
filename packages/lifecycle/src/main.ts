// Entry point of the lifecycle bundle. Every executable in dist/lifecycle/ is the same binary (hard
// links); it runs the command named by the file it was started as.
import path from 'node:path';

// Each command's code is loaded only when that command runs: the launcher sits on every app
// instance's start path and should not pay for the builder's modules (esbuild keeps dynamic imports
// lazy inside the single bundle).
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  builder: async (args) => (await import('@cf-lifecycle/builder')).runBuilder(args),
  launcher: async (args) => (await import('@cf-lifecycle/launcher')).runLauncher(args),
  shell: async (args) => (await import('@cf-lifecycle/launcher')).runShell(args),
  getenv: async (args) => (await import('@cf-lifecycle/launcher')).runGetenv(args),
  healthcheck: async (args) => (await import('@cf-lifecycle/healthcheck')).runHealthcheck(args),
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
