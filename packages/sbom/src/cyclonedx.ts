// The droplet's SBOM as CycloneDX 1.5 JSON (docs/sbom.md). The stack is one `operating-system`
// component named by stack name and version: its OS packages are in the stack's receipt, which
// every droplet of that stack version shares, so they are referenced, not copied.
import { createHash } from 'node:crypto';
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import * as SPDX from '@cyclonedx/cyclonedx-library/SPDX';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import { dedupeDependencies, parsePurl, type Dependency } from './dependency.ts';
import { redactUrl } from '@cf-lifecycle/contract';

/** Property names this lifecycle adds to components (CycloneDX property taxonomy: a namespace of our own). */
export const PROPERTY = {
  source: 'cf-buildpack-lifecycle:source',
  ecosystem: 'cf-buildpack-lifecycle:ecosystem',
  buildpackKey: 'cf-buildpack-lifecycle:buildpack-key',
  stackReceipt: 'cf-buildpack-lifecycle:stack-receipt',
} as const;

export interface CycloneDxInput {
  appName: string;
  dependencies: Dependency[];
  stack: { name: string; version: string };
  buildpacks: Array<{ key: string; name: string; version?: string }>;
  lifecycleVersion: string;
  /** ISO 8601; the staging's finish time. */
  timestamp: string;
  /** `urn:uuid:…`; by default one derived from the other inputs, so the same staging gives the same text. */
  serialNumber?: string;
}

export function cycloneDx(input: CycloneDxInput): string {
  const dependencies = dedupeDependencies(input.dependencies);
  const bom = new Models.Bom({ serialNumber: input.serialNumber ?? derivedSerialNumber(input, dependencies) });

  const app = new Models.Component(Enums.ComponentType.Application, input.appName, { bomRef: 'app' });
  bom.metadata.component = app;
  const timestamp = new Date(input.timestamp);
  if (!Number.isNaN(timestamp.getTime())) bom.metadata.timestamp = timestamp;

  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'cf-buildpack-lifecycle', { version: input.lifecycleVersion, bomRef: 'tool:cf-buildpack-lifecycle' }),
  );
  for (const bp of input.buildpacks) {
    // A buildpack URL's credentials (`https://user:token@host/bp.zip`) never reach the SBOM.
    const key = redactUrl(bp.key);
    const tool = new Models.Component(Enums.ComponentType.Application, bp.name || key, { bomRef: `buildpack:${key}` });
    if (bp.version) tool.version = bp.version;
    tool.properties.add(new Models.Property(PROPERTY.buildpackKey, key));
    bom.metadata.tools.components.add(tool);
  }

  // A staging outside a stack of ours may know the stack's name only (CF_STACK), or nothing.
  const stackName = input.stack.name || 'unknown';
  const stackId = input.stack.version ? `${stackName}@${input.stack.version}` : stackName;
  const stack = new Models.Component(Enums.ComponentType.OperatingSystem, stackName, {
    bomRef: `stack:${stackId}`,
    description: input.stack.version
      ? `The ${stackName} stack; its OS packages are listed in the receipt of version ${input.stack.version}`
      : `The ${stackName} stack, version unknown`,
  });
  if (input.stack.version) stack.version = input.stack.version;
  stack.properties.add(new Models.Property(PROPERTY.stackReceipt, stackId));
  bom.components.add(stack);
  app.dependencies.add(stack.bomRef);

  for (const dep of dependencies) {
    const component = componentOf(dep);
    bom.components.add(component);
    app.dependencies.add(component.bomRef);
  }

  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot5));
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}

function componentOf(dep: Dependency): Models.Component {
  // Runtimes a buildpack installed (generic purls) are platforms; packages of an ecosystem are libraries.
  const type = dep.ecosystem === 'generic' && dep.source.startsWith('buildpack:') ? Enums.ComponentType.Platform : Enums.ComponentType.Library;
  const parsed = parsePurl(dep.purl);
  let name = dep.name;
  let group: string | undefined;
  if (parsed && (dep.ecosystem === 'npm' || dep.ecosystem === 'Packagist' || dep.ecosystem === 'Maven')) {
    const sep = dep.ecosystem === 'Maven' ? dep.name.indexOf(':') : dep.name.lastIndexOf('/');
    if (sep > 0) {
      group = dep.name.slice(0, sep);
      name = dep.name.slice(sep + 1);
    }
  }
  const component = new Models.Component(type, name, { version: dep.version, purl: dep.purl, bomRef: dep.purl });
  if (group) component.group = group;
  for (const license of licensesOf(dep.licenses ?? [])) component.licenses.add(license);
  component.properties.add(new Models.Property(PROPERTY.ecosystem, dep.ecosystem));
  component.properties.add(new Models.Property(PROPERTY.source, dep.source));
  return component;
}

/**
 * CycloneDX 1.5 holds either license objects or one expression: a single SPDX expression stays an
 * expression; otherwise each license is an SPDX id when it is one, a name when not.
 */
function licensesOf(licenses: readonly string[]): Array<Models.SpdxLicense | Models.NamedLicense | Models.LicenseExpression> {
  const isExpression = (l: string): boolean => /\s(AND|OR|WITH)\s/.test(l) || l.startsWith('(');
  if (licenses.length === 1 && isExpression(licenses[0]!)) return [new Models.LicenseExpression(licenses[0]!)];
  return licenses.map((l) => {
    const id = SPDX.fixupSpdxId(l);
    return id ? new Models.SpdxLicense(id) : new Models.NamedLicense(l);
  });
}

function derivedSerialNumber(input: CycloneDxInput, deps: readonly Dependency[]): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([input.appName, input.timestamp, input.stack, input.buildpacks, input.lifecycleVersion]));
  for (const d of deps) hash.update(`\n${d.purl}\t${d.source}`);
  const h = hash.digest('hex');
  // Formatted as a version 4 / variant 1 UUID so that validators accept it.
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
