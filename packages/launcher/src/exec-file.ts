// Whether execve(2) would start the file at all, checked before the launcher and the shell replace
// themselves with it: Node 24 aborts with stack traces when process.execve fails (exec-limits.ts says
// why). The kernel's refusals a present file can give are predicted from what it checks first: the
// path (ENOENT, ENOTDIR, ELOOP), a regular file with execute permission on an exec-able mount (EACCES),
// a format it knows (ENOEXEC: an ELF file for this machine, or a `#!` script), and the program
// interpreter an ELF file names (ENOENT when the stack has no such loader).
import fs from 'node:fs';
import { goErrnoText } from '@cf-lifecycle/contract';

// The ELF machines this process can run: its own, and the 32-bit one the kernel may emulate.
const MACHINES: Record<string, number[]> = { x64: [62, 3], arm64: [183, 40] };
const PT_INTERP = 3;
// The kernel reads the first 256 bytes for a `#!` line (BINPRM_BUF_SIZE) and follows at most 4 levels.
const SHEBANG_BYTES = 256;
const MAX_INTERPRETER_DEPTH = 4;

function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return goErrnoText(code, code ?? 'input/output error');
}

function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = fs.readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

/** Why execve would refuse `file`, in Go's errno words (`no such file or directory`), or undefined. */
export function executableProblem(file: string, depth = 0): string | undefined {
  if (depth > MAX_INTERPRETER_DEPTH) return goErrnoText('ELOOP');
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    return errnoText(err);
  }
  // The kernel answers EACCES for a directory, a device or a FIFO, as for a file without an x bit.
  if (!stat.isFile()) return goErrnoText('EACCES');
  try {
    // access(2) also says EACCES for a file on a noexec mount.
    fs.accessSync(file, fs.constants.X_OK);
  } catch (err) {
    return errnoText(err);
  }
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    // Execute-only for us: the kernel may still run it; its format cannot be checked.
    return undefined;
  }
  try {
    const head = readAt(fd, SHEBANG_BYTES, 0);
    if (head.subarray(0, 2).toString('latin1') === '#!') {
      const line = head.subarray(2).toString('latin1').split('\n')[0]!;
      // As the kernel parses it: blanks skipped, the name ends at a blank (a `\r` stays part of it).
      const interpreter = line.replace(/^[ \t]+/, '').split(/[ \t]/)[0] ?? '';
      if (interpreter === '') return goErrnoText('ENOEXEC');
      return executableProblem(interpreter, depth + 1);
    }
    if (head.subarray(0, 4).toString('latin1') !== '\x7fELF') return goErrnoText('ENOEXEC');
    return elfProblem(fd, head);
  } catch (err) {
    return errnoText(err);
  } finally {
    fs.closeSync(fd);
  }
}

/** An ELF file for another machine, or whose program interpreter is missing. */
function elfProblem(fd: number, head: Buffer): string | undefined {
  if (head.length < 64) return goErrnoText('ENOEXEC');
  const is64 = head[4] === 2;
  const le = head[5] === 1;
  const u16 = (b: Buffer, at: number) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (b: Buffer, at: number) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const uword = (b: Buffer, at: number) => (is64 ? Number(le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at)) : u32(b, at));
  const machines = MACHINES[process.arch];
  if (machines !== undefined && !machines.includes(u16(head, 18))) return goErrnoText('ENOEXEC');

  const phoff = uword(head, is64 ? 32 : 28);
  const phentsize = u16(head, is64 ? 54 : 42);
  const phnum = u16(head, is64 ? 56 : 44);
  if (phentsize === 0 || phnum > 4096) return undefined;
  const table = readAt(fd, phentsize * phnum, phoff);
  for (let i = 0; (i + 1) * phentsize <= table.length; i++) {
    const entry = table.subarray(i * phentsize, (i + 1) * phentsize);
    if (u32(entry, 0) !== PT_INTERP) continue;
    const offset = uword(entry, is64 ? 8 : 4);
    const length = uword(entry, is64 ? 32 : 16);
    if (length === 0 || length > 4096) return goErrnoText('ENOEXEC');
    const interpreter = readAt(fd, length, offset).toString('latin1').replace(/\0.*$/s, '');
    try {
      fs.accessSync(interpreter, fs.constants.X_OK);
    } catch (err) {
      return errnoText(err);
    }
  }
  return undefined;
}
