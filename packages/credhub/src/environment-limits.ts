// How large one environment variable may be for the kernel to pass it to a program: with its name,
// `=` and the terminating NUL, at most 32 pages (MAX_ARG_STRLEN in fs/exec.c: 128 KiB with 4 KiB
// pages). CredHub's answer becomes VCAP_SERVICES, so an answer beyond it could reach no buildpack and
// no app; the launcher's exec checks use the same numbers.
import fs from 'node:fs';

const AT_PAGESZ = 6n;

/** The page size from the auxiliary vector (4096 on x86-64; 4, 16 or 64 KiB on arm64). */
export function pageSize(): number {
  try {
    const auxv = fs.readFileSync('/proc/self/auxv');
    for (let at = 0; at + 16 <= auxv.length; at += 16) {
      if (auxv.readBigUInt64LE(at) === AT_PAGESZ) return Number(auxv.readBigUInt64LE(at + 8));
    }
  } catch {
    // no /proc: the common page size
  }
  return 4096;
}

/** The most bytes one argument or `NAME=value` string may take, its terminating NUL included. */
export function maxStringBytes(): number {
  return 32 * pageSize();
}
