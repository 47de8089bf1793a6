// Reading what `droplet stage` wrote: the droplet tarball and its result.json beside it.
import fs from 'node:fs';
import { CliError } from './errors.ts';
import { extractTarball, UnsafeTarballError } from './tarball.ts';
import { chownVcap } from './workspace.ts';

export function checkDroplet(file: string): void {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CliError(`${file}: no such droplet file (stage one with \`droplet stage\`)`);
}

/**
 * Extracts the droplet into `home` (what Diego mounts at /home/vcap), owned by vcap. A droplet with
 * absolute or `..` members, devices, or too many members or bytes is refused before anything is written.
 */
export async function extractDroplet(file: string, home: string): Promise<void> {
  try {
    await extractTarball(file, home);
  } catch (err) {
    if (err instanceof UnsafeTarballError) throw new CliError(`${file}: refusing to extract the droplet: ${err.message}`);
    throw new CliError(`${file}: not a droplet (a gzip tarball): ${(err as Error).message}`);
  }
  if (!fs.existsSync(`${home}/app`)) throw new CliError(`${file}: not a droplet: it has no ./app directory`);
  chownVcap(home);
}

/** The start command of a process type, from `<droplet>.result.json`. */
export function processCommand(file: string, type: string): string {
  const resultFile = `${file}.result.json`;
  let result: { process_types?: Record<string, string> };
  try {
    result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  } catch {
    throw new CliError(`--process ${type}: needs the droplet's metadata at ${resultFile} (written by \`droplet stage\`)`);
  }
  const command = result.process_types?.[type];
  if (!command) {
    const known = Object.keys(result.process_types ?? {});
    throw new CliError(`--process ${type}: the droplet has no such process type (it has: ${known.join(', ') || 'none'})`);
  }
  return command;
}
