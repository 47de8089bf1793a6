// droplet k8s: Kubernetes manifests for a droplet image — a Deployment that starts the web process
// with the launcher as Diego would (probes call the lifecycle's healthcheck, vcap without privilege
// escalation, Diego's 10 s to stop), a Service in front of it, and a staging Job that runs the builder
// in the stack image on app bits from a volume (Eirini's staging, ANCHORS §2.1, in one container).
import { stringify } from 'yaml';
import { DEFAULT_STACK, STAGING_PATHS, VCAP_GID, VCAP_UID, builderArgs, lifecyclePath, stagingSetNames } from '@cf-lifecycle/contract';
import { OciError } from './errors.ts';
import { ENTRYPOINT, WORKING_DIR } from './image-config.ts';

export interface K8sOptions {
  /** The image reference as the cluster pulls it, e.g. registry.example.com/apps/hello:1.0. */
  image: string;
  /** The app's name: the Deployment's, the Service's, and the Job's prefix. */
  name: string;
  replicas: number;
  /** The port the app listens on (PORT). */
  port: number;
  /** The image the staging Job runs the builder in: the stack with /tmp/lifecycle (default: `image`, which has both). */
  stackImage?: string;
  /** The staging Job's -buildpackOrder (default: set BUILDPACK_ORDER in the Job before applying it). */
  buildpacks?: string[];
  /** CF_STACK for staging (default cflinuxfs2). */
  stack?: string;
  /** An HTTP health-check endpoint (e.g. /health); default: a port check, as CF's default `port` type. */
  healthCheckEndpoint?: string;
}

/** Diego's graceful-stop window: SIGTERM, then SIGKILL after 10 s. */
export const TERMINATION_GRACE_SECONDS = 10;
/** CF's default health-check timeout: an app has 60 s to start listening. */
const STARTUP_SECONDS = 60;

/** A Deployment's replicas are an int32; an app with none is a manifest that runs nothing. */
export const MAX_REPLICAS = 2 ** 31 - 1;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function check(opts: K8sOptions): void {
  // The Job is named <name>-staging: 8 more characters within the 63 of a DNS label.
  if (!DNS_LABEL.test(opts.name) || opts.name.length > 55) {
    throw new OciError(`invalid app name ${JSON.stringify(opts.name)}: use at most 55 lower-case letters, digits and "-" (a Kubernetes DNS label)`);
  }
  if (!Number.isSafeInteger(opts.replicas) || opts.replicas < 1 || opts.replicas > MAX_REPLICAS) {
    throw new OciError(`invalid --replicas ${opts.replicas}: use a whole number from 1 to ${MAX_REPLICAS}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw new OciError(`invalid --port ${opts.port}: use 1 to 65535`);
  if (opts.image.trim() === '' || /[\s\u0000-\u001f\u007f]/.test(opts.image)) throw new OciError(`invalid image reference ${JSON.stringify(opts.image)}`);
  if (opts.healthCheckEndpoint !== undefined && !/^[/?]/.test(opts.healthCheckEndpoint)) {
    throw new OciError(`invalid health-check endpoint ${JSON.stringify(opts.healthCheckEndpoint)}: it must start with /`);
  }
}

const fieldRef = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/** The security context of every container: vcap, no privilege escalation, no capabilities. */
function containerSecurity() {
  return {
    runAsUser: VCAP_UID,
    runAsGroup: VCAP_GID,
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  };
}

function deployment(opts: K8sOptions, labels: Record<string, string>) {
  const port = String(opts.port);
  const healthcheck = [
    lifecyclePath('healthcheck'),
    `-port=${port}`,
    ...(opts.healthCheckEndpoint !== undefined ? [`-uri=${opts.healthCheckEndpoint}`] : []),
    '-timeout=1s',
  ];
  const probe = (periodSeconds: number, failureThreshold: number) => ({ exec: { command: healthcheck }, periodSeconds, timeoutSeconds: 2, failureThreshold });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: opts.name, labels },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': opts.name } },
      template: {
        metadata: { labels: { ...labels, 'app.kubernetes.io/component': 'web' } },
        spec: {
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          automountServiceAccountToken: false,
          // CF apps know nothing of <SERVICE>_PORT variables.
          enableServiceLinks: false,
          securityContext: { runAsUser: VCAP_UID, runAsGroup: VCAP_GID, runAsNonRoot: true },
          containers: [
            {
              name: 'web',
              image: opts.image,
              imagePullPolicy: 'IfNotPresent',
              command: [...ENTRYPOINT],
              workingDir: WORKING_DIR,
              ports: [{ name: 'http', containerPort: opts.port, protocol: 'TCP' }],
              // What Diego gives an instance (CONTRACT §3), from the pod where Kubernetes knows it. The
              // launcher puts INSTANCE_GUID and PORT into VCAP_APPLICATION. A Deployment's pods have no
              // ordinal, so there is no INSTANCE_INDEX; and only metadata fields are used, because
              // `podman kube play` (4.3) refuses status.podIP (docs/oci.md shows how to add CF_INSTANCE_IP).
              env: [
                { name: 'PORT', value: port },
                fieldRef('INSTANCE_GUID', 'metadata.uid'),
                fieldRef('CF_INSTANCE_GUID', 'metadata.uid'),
                { name: 'CF_INSTANCE_PORT', value: port },
                fieldRef('POD_NAME', 'metadata.name'),
                { name: 'VCAP_APPLICATION', value: JSON.stringify({ application_name: opts.name, name: opts.name, application_uris: [], uris: [] }) },
                { name: 'VCAP_SERVICES', value: '{}' },
              ],
              startupProbe: probe(2, STARTUP_SECONDS / 2),
              readinessProbe: probe(5, 1),
              livenessProbe: probe(30, 1),
              securityContext: containerSecurity(),
            },
          ],
        },
      },
    },
  };
}

function service(opts: K8sOptions, labels: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: opts.name, labels },
    spec: {
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': opts.name, 'app.kubernetes.io/component': 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

/** Where the staging Job's outputs go: a directory of the volume, so that they outlive the pod. */
const OUTPUT_DIR = '/tmp/output';
const OUTPUT_DROPLET = `${OUTPUT_DIR}/droplet.tgz`;

/** Where the staging Job mounts the subdirectories of its one volume (the builder's defaults, CONTRACT §1). */
export const STAGING_MOUNTS = [
  { subPath: 'app', mountPath: STAGING_PATHS.buildDir, readOnly: false },
  { subPath: 'buildpacks', mountPath: STAGING_PATHS.buildpacksDir, readOnly: true },
  { subPath: 'cache', mountPath: STAGING_PATHS.buildArtifactsCacheDir, readOnly: false },
  { subPath: 'output', mountPath: OUTPUT_DIR, readOnly: false },
] as const;

function stagingJob(opts: K8sOptions, labels: Record<string, string>) {
  const order = opts.buildpacks !== undefined ? opts.buildpacks.join(',') : '';
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${opts.name}-staging`, labels: { ...labels, 'app.kubernetes.io/component': 'staging' } },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: { ...labels, 'app.kubernetes.io/component': 'staging' } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsUser: VCAP_UID, runAsGroup: VCAP_GID, runAsNonRoot: true, fsGroup: VCAP_GID },
          containers: [
            {
              name: 'builder',
              image: opts.stackImage ?? opts.image,
              imagePullPolicy: 'IfNotPresent',
              // The app, buildpacks and cache are at the builder's defaults (the mounts above); the
              // outputs go to the volume. Kubernetes expands $(BUILDPACK_ORDER) from the env below.
              command: [
                lifecyclePath('builder'),
                ...builderArgs({
                  outputDroplet: OUTPUT_DROPLET,
                  outputMetadata: `${OUTPUT_DIR}/result.json`,
                  outputBuildArtifactsCache: `${OUTPUT_DIR}/cache.tgz`,
                  // The staging metadata (docs/staging-metadata.md), inside the droplet too: the image's labels.
                  outputStagingMetadata: stagingSetNames(OUTPUT_DROPLET).metadata,
                  buildpackOrder: ['$(BUILDPACK_ORDER)'],
                }),
              ],
              workingDir: STAGING_PATHS.buildDir,
              env: [
                { name: 'BUILDPACK_ORDER', value: order },
                { name: 'CF_STACK', value: opts.stack ?? DEFAULT_STACK },
                { name: 'VCAP_SERVICES', value: '{}' },
              ],
              volumeMounts: STAGING_MOUNTS.map((m) => ({ name: 'staging', mountPath: m.mountPath, subPath: m.subPath, ...(m.readOnly && { readOnly: true }) })),
              securityContext: containerSecurity(),
            },
          ],
          volumes: [{ name: 'staging', persistentVolumeClaim: { claimName: `${opts.name}-staging` } }],
        },
      },
    },
  };
}

/** The Deployment, the Service and the staging Job, as multi-document YAML. */
export function k8sManifests(opts: K8sOptions): string {
  check(opts);
  const labels = { 'app.kubernetes.io/name': opts.name, 'app.kubernetes.io/managed-by': 'cf-lifecycle' };
  const docs = [deployment(opts, labels), service(opts, labels), stagingJob(opts, labels)];
  return docs.map((doc) => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
