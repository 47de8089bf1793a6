import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { k8sManifests } from './k8s.ts';

type Doc = Record<string, any>;
const docs = (yaml: string): Doc[] => parseAllDocuments(yaml).map((d) => d.toJS() as Doc);

describe('k8s manifests', () => {
  const [deployment, service, job] = docs(
    k8sManifests({ image: 'registry.example.com/apps/hello:1.0', name: 'hello', replicas: 3, port: 9000, buildpacks: ['python-web'] }),
  );

  it('is a Deployment, a Service and a staging Job', () => {
    expect([deployment?.kind, service?.kind, job?.kind]).toEqual(['Deployment', 'Service', 'Job']);
    expect([deployment?.apiVersion, service?.apiVersion, job?.apiVersion]).toEqual(['apps/v1', 'v1', 'batch/v1']);
  });

  it('starts the web process with the launcher as vcap, without privilege escalation', () => {
    const pod = deployment!.spec.template.spec;
    const web = pod.containers[0];
    expect(deployment!.spec.replicas).toBe(3);
    expect(web.image).toBe('registry.example.com/apps/hello:1.0');
    expect(web.command).toEqual(['/tmp/lifecycle/launcher', 'app', '', '{}']);
    expect(web.workingDir).toBe('/home/vcap');
    expect(web.ports).toEqual([{ name: 'http', containerPort: 9000, protocol: 'TCP' }]);
    expect(pod.terminationGracePeriodSeconds).toBe(10);
    expect(pod.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 2000, runAsNonRoot: true });
    expect(web.securityContext).toMatchObject({ runAsUser: 2000, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it('gives the instance PORT and its identity from the pod', () => {
    const env = deployment!.spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: any }>;
    const byName = new Map(env.map((e) => [e.name, e]));
    expect(byName.get('PORT')?.value).toBe('9000');
    expect(byName.get('INSTANCE_GUID')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.uid' } });
    expect(byName.get('POD_NAME')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    // podman kube play 4.3 refuses any other fieldRef than metadata's.
    expect(env.every((e) => e.valueFrom === undefined || e.valueFrom.fieldRef.fieldPath.startsWith('metadata.'))).toBe(true);
    expect(JSON.parse(byName.get('VCAP_APPLICATION')!.value!)).toMatchObject({ application_name: 'hello' });
  });

  it('probes with the lifecycle healthcheck', () => {
    const web = deployment!.spec.template.spec.containers[0];
    for (const probe of [web.readinessProbe, web.livenessProbe, web.startupProbe]) {
      expect(probe.exec.command).toEqual(['/tmp/lifecycle/healthcheck', '-port=9000', '-timeout=1s']);
    }
    const http = docs(k8sManifests({ image: 'i', name: 'a', replicas: 1, port: 8080, healthCheckEndpoint: '/health' }))[0]!;
    expect(http.spec.template.spec.containers[0].livenessProbe.exec.command).toContain('-uri=/health');
  });

  it('routes the Service to the web pods', () => {
    expect(service!.spec.selector).toEqual(
      deployment!.spec.template.metadata.labels['app.kubernetes.io/component'] === 'web'
        ? { 'app.kubernetes.io/name': 'hello', 'app.kubernetes.io/component': 'web' }
        : {},
    );
    expect(service!.spec.ports[0]).toMatchObject({ port: 80, targetPort: 'http' });
  });

  it('stages with the builder in the stack image, on app bits from a volume', () => {
    const pod = job!.spec.template.spec;
    const builder = pod.containers[0];
    expect(job!.metadata.name).toBe('hello-staging');
    expect(pod.restartPolicy).toBe('Never');
    expect(builder.image).toBe('registry.example.com/apps/hello:1.0');
    // The app, buildpacks and cache at the builder's defaults (the volume's mounts), the outputs on the volume.
    expect(builder.command).toEqual([
      '/tmp/lifecycle/builder',
      '-outputDroplet=/tmp/output/droplet.tgz',
      '-outputMetadata=/tmp/output/result.json',
      '-outputBuildArtifactsCache=/tmp/output/cache.tgz',
      '-buildpackOrder=$(BUILDPACK_ORDER)',
      '-outputStagingMetadata=/tmp/output/droplet.tgz.metadata.json',
    ]);
    expect(builder.env).toContainEqual({ name: 'BUILDPACK_ORDER', value: 'python-web' });
    expect(builder.volumeMounts).toContainEqual({ name: 'staging', mountPath: '/tmp/app', subPath: 'app' });
    expect(pod.volumes).toEqual([{ name: 'staging', persistentVolumeClaim: { claimName: 'hello-staging' } }]);
    expect(builder.securityContext.allowPrivilegeEscalation).toBe(false);
    const other = docs(k8sManifests({ image: 'i', name: 'a', replicas: 1, port: 8080, stackImage: 'registry/stack:1' }))[2]!;
    expect(other.spec.template.spec.containers[0].image).toBe('registry/stack:1');
  });

  it('refuses names, ports and replicas Kubernetes would refuse', () => {
    const ok = { image: 'i', name: 'a', replicas: 1, port: 8080 };
    expect(() => k8sManifests({ ...ok, name: 'Hello_World' })).toThrow(/invalid app name/);
    expect(() => k8sManifests({ ...ok, port: 0 })).toThrow(/invalid --port/);
    expect(() => k8sManifests({ ...ok, replicas: -1 })).toThrow(/invalid --replicas/);
    expect(() => k8sManifests({ ...ok, replicas: 0 })).toThrow('invalid --replicas 0: use a whole number from 1 to 2147483647');
    expect(() => k8sManifests({ ...ok, image: 'img\x1b]0;t\x07' })).toThrow(String.raw`invalid image reference "img\u001b]0;t\u0007"`);
  });
});
