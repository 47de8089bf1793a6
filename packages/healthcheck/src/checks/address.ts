// Where the checks connect.
//
// Diego's tool dials the first non-loopback IPv4 address of the container's interfaces, so an app that
// listens only on 127.0.0.1 fails its check (the router could not reach it either). We dial 127.0.0.1:
// the result does not depend on the order the kernel lists interfaces in (on a host, outside a
// container, the "first" address may belong to a bridge), and a container with networking disabled
// still gets a meaningful answer instead of "failure to find suitable interface". The cost is that a
// loopback-only app passes here; docs/healthcheck.md records this difference.
export const CHECK_HOST = '127.0.0.1';

/** A decimal port 0–65535 (Go also accepts service names such as `http`; we do not). */
export function parseTcpPort(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}
