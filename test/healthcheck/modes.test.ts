// The healthcheck's modes (ANCHORS §1.2, docs/healthcheck.md "Modes"): readiness waits for the app to
// become healthy, liveness watches it until it is not. Real servers start and stop under the running
// process; timings have generous margins.
import { afterEach, describe, expect, it } from 'vitest';
import { Resources, closedPort, delay, httpServer, respond, startHealthcheck, tcpServer } from './helpers.ts';

const res = new Resources();
afterEach(() => res.closeAll());

describe('readiness mode (-readiness-interval > 0)', () => {
  it('keeps checking until the port starts listening, then exits 0', async () => {
    const port = await closedPort();
    const hc = res.process(startHealthcheck([`-port=${port}`, '-readiness-interval=100ms', '-readiness-timeout=20s']));
    await delay(700);
    expect(hc.running()).toBe(true);
    const server = await tcpServer(res, port);
    const result = await hc.done;
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(700);
    expect(server.connections).toBe(1);
  });

  it('keeps checking until the HTTP endpoint answers 200', async () => {
    let status = 503;
    const server = await httpServer(res, (req, reply) => respond(status)(req, reply));
    const hc = res.process(startHealthcheck([`-port=${server.port}`, '-uri=/ready', '-readiness-interval=100ms']));
    await delay(500);
    expect(hc.running()).toBe(true);
    status = 200;
    const result = await hc.done;
    expect(result.code).toBe(0);
    // One check per interval, not a busy loop.
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(server.requests.length).toBeLessThan(15);
  });

  it('exits with the last failure once -readiness-timeout passes', async () => {
    const port = await closedPort();
    const result = await startHealthcheck([`-port=${port}`, '-readiness-interval=100ms', '-readiness-timeout=800ms']).done;
    expect(result.code).toBe(4);
    expect(result.stdout).toBe(`Failed to make TCP connection to port ${port}: connection refused`);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(750);
    expect(result.elapsedMs).toBeLessThan(5000);
  });

  it('reports the HTTP status of the last check at the timeout', async () => {
    const server = await httpServer(res, respond(500));
    const result = await startHealthcheck([`-port=${server.port}`, '-uri=/ready', '-readiness-interval=100ms', '-readiness-timeout=600ms']).done;
    expect(result.code).toBe(6);
    expect(result.stdout).toContain(`'/ready' on port ${server.port}: received status code 500 in`);
  });

  it('cuts a check still running at the timeout short, when it is the first one', async () => {
    const server = await httpServer(res, () => {}); // never answers
    const result = await startHealthcheck([`-port=${server.port}`, '-uri=/ready', '-timeout=10s', '-readiness-interval=1s', '-readiness-timeout=500ms']).done;
    expect(result.code).toBe(65);
    expect(result.stdout).toBe(`Failed to make HTTP request to '/ready' on port ${server.port}: timed out after 0.50 seconds`);
    expect(result.elapsedMs).toBeLessThan(5000);
  });

  it('on SIGTERM, exits with the last failure', async () => {
    const port = await closedPort();
    const hc = res.process(startHealthcheck([`-port=${port}`, '-readiness-interval=100ms', '-readiness-timeout=0s']));
    await delay(500);
    expect(hc.running()).toBe(true);
    hc.child.kill('SIGTERM');
    const result = await hc.done;
    expect(result.code).toBe(4);
    expect(result.stdout).toBe(`Failed to make TCP connection to port ${port}: connection refused`);
  });

  it('on SIGTERM before any check finished, exits 143 and says so', async () => {
    const server = await httpServer(res, () => {}); // never answers
    const hc = res.process(startHealthcheck([`-port=${server.port}`, '-uri=/ready', '-timeout=0', '-readiness-interval=1s']));
    await delay(500);
    expect(server.requests).toHaveLength(1);
    hc.child.kill('SIGTERM');
    const result = await hc.done;
    expect(result.code).toBe(143);
    expect(result.stdout).toBe('healthcheck terminated before any check finished');
  });

  it('with -readiness-timeout=0, waits without a deadline', async () => {
    const port = await closedPort();
    const hc = res.process(startHealthcheck([`-port=${port}`, '-readiness-interval=50ms', '-readiness-timeout=0']));
    await delay(1200);
    expect(hc.running()).toBe(true);
  });
});

describe('liveness mode (-liveness-interval > 0)', () => {
  it('keeps running while the app is healthy, and exits at the first failure', async () => {
    const server = await tcpServer(res);
    const hc = res.process(startHealthcheck([`-port=${server.port}`, '-liveness-interval=100ms']));
    await delay(800);
    expect(hc.running()).toBe(true);
    expect(server.connections).toBeGreaterThanOrEqual(2);
    await server.close();
    const result = await hc.done;
    expect(result.code).toBe(4);
    expect(result.stdout).toBe(`Failed to make TCP connection to port ${server.port}: connection refused`);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(800);
  });

  it('exits 6 with the status when the HTTP endpoint stops answering 200', async () => {
    let status = 200;
    const server = await httpServer(res, (req, reply) => respond(status)(req, reply));
    const hc = res.process(startHealthcheck([`-port=${server.port}`, '-uri=/alive', '-liveness-interval=100ms']));
    await delay(600);
    expect(hc.running()).toBe(true);
    status = 500;
    const result = await hc.done;
    expect(result.code).toBe(6);
    expect(result.stdout).toMatch(new RegExp(`^Failed to make HTTP request to '/alive' on port ${server.port}: received status code 500 in \\d+ms$`));
  });

  it('exits at once when the first check already fails', async () => {
    const port = await closedPort();
    const result = await startHealthcheck([`-port=${port}`, '-liveness-interval=10s']).done;
    expect(result.code).toBe(4);
    expect(result.elapsedMs).toBeLessThan(5000);
  });
});
