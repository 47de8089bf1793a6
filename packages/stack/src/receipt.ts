// The receipt, as cflinuxfs2 published it beside each release (ROOTFS.md §4, §5): a line naming the
// tarball's checksum, a blank line, then `dpkg -l` of the rootfs. cflinuxfs2's first line was
// `Rootfs SHASUM: <sha1>`; ours says which hash it is: `Rootfs SHA256: <sha256>`.
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from './errors.ts';
import { run } from './run.ts';
import { which } from './tools.ts';

/** `dpkg -l` of a rootfs, read from its dpkg database by the host's dpkg-query (wide, never truncated). */
export async function dpkgList(rootfsDir: string, signal?: AbortSignal): Promise<string> {
  const admindir = path.join(rootfsDir, 'var', 'lib', 'dpkg');
  if (!fs.existsSync(path.join(admindir, 'status'))) throw new StackError(`${rootfsDir} has no dpkg database: it is not a Debian-based rootfs`);
  const dpkgQuery = which('dpkg-query');
  if (!dpkgQuery) throw new StackError('dpkg-query is not installed: run apt-get install dpkg (as root)');
  const result = await run(dpkgQuery, [`--admindir=${admindir}`, '-l'], {
    captureStdout: true,
    signal,
    // Without a terminal dpkg-query cuts columns to 80 characters; COLUMNS widens them.
    env: { ...process.env, COLUMNS: '250', LC_ALL: 'C' },
  });
  if (result.code !== 0) throw new StackError(`dpkg-query -l failed on ${rootfsDir}: ${result.tail.join(' ').trim() || `exit ${result.code}`}`);
  return result.stdout
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

export function receiptText(sha256: string, dpkgL: string): string {
  return `Rootfs SHA256: ${sha256}\n\n${dpkgL.endsWith('\n') ? dpkgL : `${dpkgL}\n`}`;
}

export interface ReceiptEntry {
  state: string;
  name: string;
  version: string;
  architecture: string;
}

/** The package lines of a receipt (or of plain `dpkg -l` output). */
export function parseReceipt(text: string): ReceiptEntry[] {
  const entries: ReceiptEntry[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z]{2,3})\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line);
    if (!match || match[1] === 'Rootfs') continue;
    const [, state = '', name = '', version = '', architecture = ''] = match;
    if (!/^[uirph][ncHUFWti][ R]?$/.test(state.padEnd(2))) continue;
    entries.push({ state, name: name.replace(/:[a-z0-9]+$/, ''), version, architecture });
  }
  return entries;
}
