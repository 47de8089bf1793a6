// The container's seccomp profile. runc has no default profile of its own (`runc spec` writes none),
// so this is ours, modelled on the deny rules of Docker's default profile: every system call is
// allowed except those that administer the machine or open kernel attack surface an app never needs,
// which fail with EPERM. Most of them need capabilities the container does not have anyway; the
// filter is the second wall, and the only one for the calls an unprivileged user may make: creating
// a user namespace (unshare/clone with CLONE_NEWUSER), in which it would be "root" and could mount,
// bpf, perf_event_open, userfaultfd, io_uring, keyrings.
//
// An allowlist (Docker's SCMP_ACT_ERRNO default) would be tighter but must track every system call new
// runtimes start using; a denylist cannot break an app that works under Docker.

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: 'SCMP_CMP_MASKED_EQ' | 'SCMP_CMP_EQ' | 'SCMP_CMP_NE';
}

export interface SeccompSyscall {
  names: string[];
  action: 'SCMP_ACT_ERRNO' | 'SCMP_ACT_ALLOW';
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface SeccompProfile {
  defaultAction: 'SCMP_ACT_ALLOW';
  architectures: string[];
  syscalls: SeccompSyscall[];
}

const EPERM = 1;
const ENOSYS = 38;
const CLONE_NEWUSER = 0x10000000;

/** Denied with EPERM, whatever their arguments. Names a kernel or architecture lacks are skipped by runc. */
export const DENIED_SYSCALLS: readonly string[] = [
  // kernel modules, kexec, reboot, swap, accounting
  'init_module',
  'finit_module',
  'delete_module',
  'create_module',
  'query_module',
  'get_kernel_syms',
  'kexec_load',
  'kexec_file_load',
  'reboot',
  'swapon',
  'swapoff',
  'acct',
  // the clock
  'settimeofday',
  'clock_settime',
  'clock_adjtime',
  'stime',
  // mounts and namespaces
  'mount',
  'umount',
  'umount2',
  'pivot_root',
  'move_mount',
  'open_tree',
  'fsopen',
  'fsconfig',
  'fsmount',
  'fspick',
  'mount_setattr',
  'setns',
  // kernel keyrings
  'keyctl',
  'add_key',
  'request_key',
  // kernel attack surface open to unprivileged users on many hosts
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'lookup_dcookie',
  // other processes' memory, file handles that bypass path permissions
  'process_vm_readv',
  'process_vm_writev',
  'kcmp',
  'open_by_handle_at',
  'name_to_handle_at',
  // hardware and obsolete interfaces
  'ioperm',
  'iopl',
  'quotactl',
  'quotactl_fd',
  'nfsservctl',
  'sysfs',
  '_sysctl',
  'uselib',
  'ustat',
  'vm86',
  'vm86old',
  'syslog',
  'vhangup',
  'fanotify_init',
];

function architectures(arch: string): string[] {
  // The 32-bit (and x32) ABIs are listed so their system calls are filtered by name too.
  if (arch === 'arm64') return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
  return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
}

export function seccompProfile(arch: string = process.arch): SeccompProfile {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: architectures(arch),
    syscalls: [
      { names: [...DENIED_SYSCALLS], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      // A new user namespace: unshare(2) and clone(2) take the flags in their first argument.
      {
        names: ['unshare', 'clone'],
        action: 'SCMP_ACT_ERRNO',
        errnoRet: EPERM,
        args: [{ index: 0, value: CLONE_NEWUSER, valueTwo: CLONE_NEWUSER, op: 'SCMP_CMP_MASKED_EQ' }],
      },
      // clone3 passes its flags in a struct a filter cannot read: ENOSYS makes libc fall back to clone.
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
    ],
  };
}
