// Running an exported image two ways: umoci unpack + runc (host network), and podman load + kube play
// with a private podman (its own --root, --runroot, --tmpdir and network config directory, and the
// containers.conf this host needs: CONTAINER-LAB §4.3–4.4).
import fs from 'node:fs';
import path from 'node:path';
import { sh, spawnLogged } from './helpers.ts';

/** An image archive unpacked by umoci and started by runc in the host's network namespace. */
export class RuncApp {
  readonly id: string;
  private readonly dir: string;
  private readonly state: string;

  private constructor(dir: string, id: string) {
    this.dir = dir;
    this.id = id;
    this.state = path.join(dir, 'runc-state');
  }

  /** Unpacks `archive` (image `ref`) with umoci and starts it with PORT=`port`. */
  static async start(archive: string, ref: string, port: number, dir: string): Promise<RuncApp> {
    const app = new RuncApp(dir, `cf-oci-test-${process.pid}-${port}`);
    const layout = path.join(dir, 'layout');
    const bundle = path.join(dir, 'bundle');
    fs.mkdirSync(layout, { recursive: true });
    await sh('tar', ['-xf', archive, '-C', layout]);
    await sh('umoci', ['unpack', '--image', `${layout}:${ref}`, bundle], { timeoutMs: 120_000 });
    const configFile = path.join(bundle, 'config.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    config.process.terminal = false;
    config.process.env = [...config.process.env.filter((e: string) => !e.startsWith('PORT=')), `PORT=${port}`];
    // Host network: the app's port is the host's (CONTAINER-LAB §2.3).
    config.linux.namespaces = config.linux.namespaces.filter((ns: { type: string }) => ns.type !== 'network');
    fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
    fs.mkdirSync(app.state, { recursive: true });
    // With terminal false, `runc run -d` hands its own stdio to the container: the log file gets the app's output.
    const child = spawnLogged('runc', ['--root', app.state, 'run', '-d', '--bundle', bundle, app.id], path.join(dir, 'app.log'));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`runc run failed (${code}): ${fs.readFileSync(path.join(dir, 'app.log'), 'utf8')}`);
    return app;
  }

  /** The bundle's config, as umoci wrote it from the image config. */
  config(): { process: { user: { uid: number; gid: number }; args: string[]; cwd: string; env: string[] } } {
    return JSON.parse(fs.readFileSync(path.join(this.dir, 'bundle', 'config.json'), 'utf8'));
  }

  rootfs(): string {
    return path.join(this.dir, 'bundle', 'rootfs');
  }

  exec(args: string[]) {
    return sh('runc', ['--root', this.state, 'exec', this.id, ...args], { timeoutMs: 20_000 });
  }

  log(): string {
    return fs.readFileSync(path.join(this.dir, 'app.log'), 'utf8');
  }

  /** Kills and deletes the container, then removes the bundle. */
  async stop(): Promise<void> {
    await sh('runc', ['--root', this.state, 'kill', this.id, 'KILL']).catch(() => undefined);
    await sh('runc', ['--root', this.state, 'delete', '--force', this.id]).catch(() => undefined);
    fs.rmSync(path.join(this.dir, 'bundle'), { recursive: true, force: true });
    fs.rmSync(path.join(this.dir, 'layout'), { recursive: true, force: true });
  }
}

export const PODMAN_CONTAINERS_CONF = `# CONTAINER-LAB §4.3–4.4: root lacks CAP_SYS_RESOURCE here, so ulimits stay at the host's hard
# limits (nproc at conmon's); crun refuses hybrid cgroups, so runc; catatonit as the pod's init.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
init_path = "/usr/bin/catatonit"
[engine]
runtime = "runc"
events_logger = "file"
`;

/** A podman whose every state directory is under `dir`. */
export class PrivatePodman {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(dir: string) {
    this.dir = dir;
    for (const sub of ['root', 'runroot', 'tmp', 'cni']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.writeFileSync(path.join(dir, 'containers.conf'), PODMAN_CONTAINERS_CONF);
    this.env = { ...process.env, CONTAINERS_CONF: path.join(dir, 'containers.conf') };
  }

  run(args: readonly string[], timeoutMs = 60_000) {
    const flags = ['--root', 'root', '--runroot', 'runroot', '--tmpdir', 'tmp', '--network-config-dir', 'cni'].map((f, i) =>
      i % 2 === 1 ? path.join(this.dir, f) : f,
    );
    return sh('podman', [...flags, '--cgroup-manager', 'cgroupfs', ...args], { env: this.env, timeoutMs });
  }

  /** Removes pods, networks, images and storage, then the directory. */
  async teardown(kubeFile?: string): Promise<void> {
    if (kubeFile && fs.existsSync(kubeFile)) await this.run(['kube', 'down', kubeFile], 60_000).catch(() => undefined);
    await this.run(['pod', 'rm', '--all', '--force'], 60_000).catch(() => undefined);
    await this.run(['network', 'rm', '--force', 'podman-default-kube-network']).catch(() => undefined);
    await this.run(['system', 'reset', '--force'], 60_000).catch(() => undefined);
    // Anything still mounted under our root (an interrupted run) goes before the files.
    const mounts = fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((target) => target.startsWith(`${this.dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const target of mounts) await sh('umount', ['-l', target]).catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
