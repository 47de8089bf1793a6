// The container an app instance runs in, as Diego sets it up for `droplet run` and `droplet shell`:
// the droplet extracted into /home/vcap, the lifecycle read-only at /tmp/lifecycle, the host's network
// (the app answers on 127.0.0.1), working directory /home/vcap.
import { LIFECYCLE_DIR, VCAP_HOME } from '@cf-lifecycle/contract';
import type { ContainerSpec } from '@cf-lifecycle/runner';
import type { Stack } from '@cf-lifecycle/stack';

export function instanceContainer(
  stack: Stack,
  home: string,
  lifecycle: string,
  args: string[],
  env: Record<string, string>,
  extra: Partial<ContainerSpec> = {},
): ContainerSpec {
  return {
    rootfs: stack.rootfsDir,
    args,
    env,
    cwd: VCAP_HOME,
    mounts: [
      { source: home, destination: VCAP_HOME },
      { source: lifecycle, destination: LIFECYCLE_DIR, readonly: true },
    ],
    network: 'host',
    stdio: 'inherit',
    ...extra,
  };
}
