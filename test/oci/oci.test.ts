// Droplets as OCI images, end to end: a droplet staged by the built builder, exported on the stack
// from @cf-lifecycle/stack, checked with skopeo, unpacked by umoci and run by runc, loaded into podman
// and run from the generated Kubernetes manifests with `podman kube play`, then rebased onto a patched
// stack. Needs root and the tools .ci/run installs (skopeo umoci podman runc catatonit uidmap
// fuse-overlayfs containernetworking-plugins iproute2); the stack is built on first use and cached.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand, k8sManifests, rebaseCommand, LABEL, type ImageResult } from '@cf-lifecycle/oci';
import type { Stack } from '@cf-lifecycle/stack';
import { RuncApp, PrivatePodman } from './containers.ts';
import { restoreHost, snapshotHost } from './host-state.ts';
import { LIFECYCLE, freePort, getWhenUp, isRoot, patchedStack, sh, stageHelloWeb, testStack, which } from './helpers.ts';

const TOOLS = ['skopeo', 'umoci', 'runc', 'podman', 'catatonit', 'iptables-save', 'ip'];
const REF = 'localhost/cf-oci-test-hello:v1';
const quiet = { info: () => undefined };

/** The fields of docs/staging-metadata.md the labels come from. */
interface StagingMetadata {
  buildpacks: Array<{ key: string; name: string; version?: string }>;
  sbom?: { sha256: string };
  staging: { finishedAt: string };
}

describe.skipIf(!isRoot)('droplet images (OCI)', () => {
  let work: string;
  let stack: Stack;
  let droplet: string;
  let image: string;
  let exported: ImageResult;
  /** The staging metadata inside the droplet. */
  let metadata: StagingMetadata;
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await fn();
    } finally {
      timings[name] = Date.now() - start;
    }
  };

  beforeAll(async () => {
    const missing = TOOLS.filter((tool) => !which(tool));
    if (missing.length > 0) {
      throw new Error(
        `missing ${missing.join(', ')}: apt-get install -y --no-install-recommends skopeo umoci podman runc catatonit uidmap fuse-overlayfs containernetworking-plugins iproute2 (as .ci/run does)`,
      );
    }
    if (!fs.existsSync(path.join(LIFECYCLE, 'launcher'))) throw new Error('dist/lifecycle is missing: run npm run build');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-oci-test-'));
    stack = await timed('ensureStack', () => testStack());
    droplet = await timed('stage', () => stageHelloWeb(path.join(work, 'stage'), { listenOnAllInterfaces: true }));
    image = path.join(work, 'hello.tar');
    // As the CLI does, the document beside the droplet is passed; the copy inside the droplet (made
    // before packaging, so with an earlier finishedAt) is the one the image is made from.
    const beside = JSON.parse(fs.readFileSync(`${droplet}.metadata.json`, 'utf8'));
    metadata = JSON.parse((await sh('tar', ['-xzOf', droplet, './.cf-lifecycle/staging-metadata.json'])).stdout) as StagingMetadata;
    exported = await timed('export', () => exportCommand(droplet, { stack, lifecycleDir: LIFECYCLE, output: image, tag: REF, metadata: beside }, quiet));
  }, 900_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    process.stdout.write(`oci test timings (ms): ${JSON.stringify(timings)}\n`);
  });

  describe('droplet export', () => {
    it('writes an oci-archive skopeo reads: three layers, the stack tarball as the first, the launcher as entrypoint', async () => {
      const inspect = JSON.parse((await sh('skopeo', ['inspect', `oci-archive:${image}`])).stdout);
      expect(inspect.Digest).toBe(exported.manifestDigest);
      expect(inspect.Layers).toEqual([exported.layers.stack, exported.layers.lifecycle, exported.layers.droplet]);
      expect(exported.layers.stack).toBe(`sha256:${stack.sha256}`);
      const config = JSON.parse((await sh('skopeo', ['inspect', '--config', `oci-archive:${image}`])).stdout);
      expect(config.config).toMatchObject({
        User: '2000:2000',
        WorkingDir: '/home/vcap',
        Entrypoint: ['/tmp/lifecycle/launcher', 'app', '', '{}'],
        ExposedPorts: { '8080/tcp': {} },
      });
      expect(config.config.Env).toContain('PORT=8080');
      expect(config.config.Labels).toMatchObject({
        [LABEL.stackName]: stack.name,
        [LABEL.stackVersion]: stack.version,
        [LABEL.stackSha256]: stack.sha256,
        [LABEL.startCommand]: 'python3 server.py',
        [LABEL.dropletSha256]: createHash('sha256').update(fs.readFileSync(droplet)).digest('hex'),
      });
      // From the staging metadata: the buildpacks, the SBOM's digest and the time staging finished.
      expect(JSON.parse(config.config.Labels[LABEL.buildpacks])).toEqual(
        metadata.buildpacks.map(({ key, name, version }) => ({ key, name, ...(version && { version }) })),
      );
      expect(config.config.Labels[LABEL.sbomDigest]).toBe(metadata.sbom ? `sha256:${metadata.sbom.sha256}` : undefined);
      expect(Date.parse(config.created)).toBe(Date.parse(metadata.staging.finishedAt));
      expect(config.rootfs.diff_ids).toHaveLength(3);
    });

    it('gives identical digests for the same inputs, and the same stack layer to every app on the stack', async () => {
      const again = path.join(work, 'again.tar');
      // Nothing passed in: the same image.
      const second = await timed('export again', () => exportCommand(droplet, { stack, lifecycleDir: LIFECYCLE, output: again, tag: REF }, quiet));
      expect(second).toEqual(exported);
      expect(fs.readFileSync(again).equals(fs.readFileSync(image))).toBe(true);
      fs.rmSync(again);
      // Another app (hello-web as the fixture has it) on the same stack: only the droplet layer differs.
      const other = await stageHelloWeb(path.join(work, 'stage-other'));
      const otherImage = await exportCommand(other, { stack, lifecycleDir: LIFECYCLE, output: path.join(work, 'other.tar') }, quiet);
      expect(otherImage.layers.stack).toBe(exported.layers.stack);
      expect(otherImage.layers.lifecycle).toBe(exported.layers.lifecycle);
      expect(otherImage.layers.droplet).not.toBe(exported.layers.droplet);
      fs.rmSync(path.join(work, 'other.tar'));
    }, 120_000);

    it('unpacks with umoci into a bundle runc runs: the app answers HTTP', async () => {
      const port = await freePort();
      const app = await timed('umoci unpack + runc run', () => RuncApp.start(image, REF, port, path.join(work, 'runc')));
      try {
        const config = app.config();
        expect(config.process.user).toMatchObject({ uid: 2000, gid: 2000 });
        expect(config.process.args).toEqual(['/tmp/lifecycle/launcher', 'app', '', '{}']);
        expect(config.process.cwd).toBe('/home/vcap');
        const answer = await timed('runc: first answer', () => getWhenUp(`http://127.0.0.1:${port}/`));
        expect(answer).toEqual({ status: 200, body: `Hello from a droplet staged by python-web buildpack (PORT=${port})\n` });
        await app.exec(['/tmp/lifecycle/healthcheck', `-port=${port}`, '-uri=/']);
        const st = fs.statSync(path.join(app.rootfs(), 'home', 'vcap', 'app', 'server.py'));
        expect([st.uid, st.gid]).toEqual([2000, 2000]);
        expect(fs.statSync(path.join(app.rootfs(), 'tmp')).mode & 0o7777).toBe(0o1777);
      } finally {
        await app.stop();
      }
    }, 180_000);
  });

  describe('droplet k8s', () => {
    it('runs under podman kube play from the generated manifests: the app answers HTTP on the pod address, probes pass', async () => {
      const before = await snapshotHost();
      const podman = new PrivatePodman(path.join(work, 'podman'));
      const kubeFile = path.join(work, 'hello.yaml');
      try {
        const load = await timed('podman load', () => podman.run(['load', '-i', image], 120_000));
        expect(`${load.stdout}${load.stderr}`).toContain(`Loaded image: ${REF}`);
        const port = await freePort();
        fs.writeFileSync(kubeFile, k8sManifests({ image: REF, name: 'cf-oci-test', replicas: 1, port }));
        // kube play runs the Deployment's pod template; podman 4.3 skips the Service and the Job.
        await timed('podman kube play', () => podman.run(['kube', 'play', kubeFile], 90_000));
        const names = (await podman.run(['ps', '--format', '{{.Names}}', '--filter', 'label=app.kubernetes.io/component=web'])).stdout.trim().split('\n');
        expect(names).toHaveLength(1);
        const container = names[0]!;
        const ip = (await podman.run(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container])).stdout.trim();
        expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        const answer = await timed('kube play: first answer', () => getWhenUp(`http://${ip}:${port}/`));
        expect(answer).toEqual({ status: 200, body: `Hello from a droplet staged by python-web buildpack (PORT=${port})\n` });
        // The liveness probe, which runs /tmp/lifecycle/healthcheck in the container.
        await podman.run(['healthcheck', 'run', container]);
        const status = (await podman.run(['exec', container, 'cat', '/proc/1/status'])).stdout;
        expect(status).toMatch(/^Uid:\s+2000\s/m);
        expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
        const env = (await podman.run(['exec', container, 'env'])).stdout;
        expect(env).toMatch(/^INSTANCE_GUID=\S+$/m);
        expect(env).toContain('POD_NAME=cf-oci-test-pod-0');
      } finally {
        await timed('podman teardown', () => podman.teardown(kubeFile));
        const removed = await restoreHost(before);
        expect(await snapshotHost().then((after) => [...after.links].filter((l) => !before.links.has(l)))).toEqual([]);
        process.stdout.write(`podman leftovers removed: ${removed.length === 0 ? 'none' : removed.join('; ')}\n`);
      }
    }, 300_000);
  });

  describe('droplet rebase', () => {
    it('replaces only the stack layer: the droplet layer keeps its digest and the app still answers', async () => {
      const patched = await timed('patched stack', () => patchedStack(stack, work));
      const rebased = path.join(work, 'rebased.tar');
      const result = await timed('rebase', () => rebaseCommand(image, { stack: patched, output: rebased }, quiet));
      expect(result.layers.droplet).toBe(exported.layers.droplet);
      expect(result.layers.lifecycle).toBe(exported.layers.lifecycle);
      expect(result.layers.stack).toBe(`sha256:${patched.sha256}`);
      expect(result.manifestDigest).not.toBe(exported.manifestDigest);
      const inspect = JSON.parse((await sh('skopeo', ['inspect', `oci-archive:${rebased}`])).stdout);
      expect(inspect.Layers).toEqual([result.layers.stack, exported.layers.lifecycle, exported.layers.droplet]);
      expect(inspect.Labels[LABEL.stackVersion]).toBe(patched.version);
      expect(inspect.Labels[LABEL.dropletSha256]).toBeDefined();

      const port = await freePort();
      const app = await timed('rebased: umoci unpack + runc run', () => RuncApp.start(rebased, REF, port, path.join(work, 'runc-rebased')));
      try {
        expect(fs.readFileSync(path.join(app.rootfs(), 'etc', 'cf-stack', 'patched'), 'utf8')).toBe(patched.marker);
        const answer = await getWhenUp(`http://127.0.0.1:${port}/`);
        expect(answer.status).toBe(200);
        expect(answer.body).toContain('staged by python-web buildpack');
      } finally {
        await app.stop();
      }

      // In place (the default) gives the same image.
      const inPlace = path.join(work, 'in-place.tar');
      fs.copyFileSync(image, inPlace);
      expect(await rebaseCommand(inPlace, { stack: patched }, quiet)).toEqual(result);
      expect(fs.readFileSync(inPlace).equals(fs.readFileSync(rebased))).toBe(true);
    }, 300_000);
  });
});
