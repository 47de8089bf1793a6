// The container runner: runs a lifecycle executable inside a container whose root filesystem is the
// stack, with runc, the way Diego's Garden does (read-only root, tmpfs /tmp, bind-mounted lifecycle,
// vcap, no capabilities, cgroup limits, an init as PID 1), and leaves nothing behind.
export { startContainer, runContainer, DEFAULT_GRACE_MS, type RunningContainer, type ExitStatus } from './container.ts';
export { checkRuntime, RUNC_ROOT } from './runtime.ts';
export { cleanupStale } from './stale.ts';
export { RunnerError } from './errors.ts';
export { ID_PREFIX, DEFAULT_LIMITS, DEFAULT_USER, NETWORK_MODES, type ContainerSpec, type Mount, type NetworkMode } from './spec.ts';
export { NAT, checkNatTools } from './network.ts';
export { BUNDLE_PREFIX } from './bundle.ts';
