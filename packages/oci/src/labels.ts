// The image labels: what was staged, on which stack, with which lifecycle. They come from the staging
// metadata document when there is one, else from the droplet's staging_info.yml, and `rebase`
// rewrites the stack's labels only. docs/oci.md lists them. An image is pushed to registries and
// inspected by anyone who can pull it: a buildpack named by a URL with a token
// (`https://user:token@host/bp.zip`) is labelled `https://***@host/bp.zip`.
import { YamlError, parseStagingInfo, redactUrl, redactUrlsIn, type StagingInfoFields } from '@cf-lifecycle/contract';

export const LABEL = {
  /** The stack's name (CF_STACK), e.g. cflinuxfs2. */
  stackName: 'org.cloudfoundry.stack.name',
  /** The stack's version (rootfs/packages.list). */
  stackVersion: 'org.cloudfoundry.stack.version',
  /** sha256 (hex) of the stack tarball the stack layer was made from. */
  stackSha256: 'org.cloudfoundry.stack.sha256',
  /** JSON array of the buildpacks that staged the droplet: `[{"key":…,"name":…,"version":…}]`. */
  buildpacks: 'org.cloudfoundry.buildpacks',
  /** `sha256:…` of the SBOM the staging recorded (absent when there is none). */
  sbomDigest: 'org.cloudfoundry.sbom.digest',
  /** The lifecycle bundle's build stamp (dist/lifecycle/.build-stamp), else its layer's diff_id. */
  lifecycleVersion: 'org.cloudfoundry.lifecycle.version',
  /** sha256 (hex) of the droplet file. */
  dropletSha256: 'org.cloudfoundry.droplet.sha256',
  /** The droplet's start command for the web process (staging_info.yml). */
  startCommand: 'org.cloudfoundry.droplet.start-command',
} as const;

export interface BuildpackLabel {
  key?: string;
  name?: string;
  version?: string;
}

/** What the labels and `created` are made of, read from the staging metadata and staging_info.yml. */
export interface StagingFacts {
  buildpacks: BuildpackLabel[];
  sbomDigest?: string;
  /** RFC 3339, UTC. */
  finishedAt?: string;
  startCommand?: string;
  /** The stack the metadata says the droplet was staged on. */
  stagedOn?: { name?: string; version?: string };
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function buildpackOf(value: unknown): BuildpackLabel | undefined {
  if (typeof value === 'string') return value ? { name: redactUrl(value) } : undefined;
  if (!isObject(value)) return undefined;
  const label: BuildpackLabel = {};
  const key = redacted(value.key);
  const name = redacted(value.name);
  const version = redacted(value.version);
  if (key) label.key = key;
  if (name) label.name = name;
  if (version) label.version = version;
  return Object.keys(label).length > 0 ? label : undefined;
}

function redacted(value: unknown): string | undefined {
  const text = str(value);
  return text === undefined ? undefined : redactUrlsIn(text);
}

/**
 * The buildpacks label of an existing image with every URL's userinfo redacted, entry by entry (a
 * regular expression over the JSON text could run across its strings). `rebase` keeps the label,
 * so an image exported before redaction loses its credentials there too.
 */
export function redactBuildpacksLabel(label: string): string {
  let list: unknown;
  try {
    list = JSON.parse(label);
  } catch {
    return redactUrlsIn(label);
  }
  if (!Array.isArray(list)) return redactUrlsIn(label);
  const redactEntry = (entry: Json): Json => Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, typeof v === 'string' ? redactUrlsIn(v) : v]));
  return JSON.stringify(list.map((entry) => (isObject(entry) ? redactEntry(entry) : entry)));
}

function sbomDigestOf(meta: Json): string | undefined {
  const candidates: unknown[] = [meta.sbomDigest, meta.sbom_digest];
  if (isObject(meta.sbom)) candidates.push(meta.sbom.digest, meta.sbom.sha256);
  else candidates.push(meta.sbom);
  for (const candidate of candidates) {
    const text = str(candidate);
    if (!text) continue;
    if (/^sha256:[0-9a-f]{64}$/.test(text)) return text;
    if (/^[0-9a-f]{64}$/.test(text)) return `sha256:${text}`;
  }
  return undefined;
}

/** An RFC 3339 time in UTC, whole seconds unless the input had fractions; undefined if unparseable. */
export function normalizeTime(value: unknown): string | undefined {
  const text = str(value);
  if (!text) return undefined;
  const time = Date.parse(text);
  if (Number.isNaN(time)) return undefined;
  const iso = new Date(time).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** The facts of a staging, from its metadata document (any of the shapes docs/oci.md lists) and staging_info.yml. */
export function stagingFacts(metadata: Json | undefined, stagingInfo: string | undefined): StagingFacts {
  const facts: StagingFacts = { buildpacks: [] };
  // Read as the launcher reads it (CONTRACT §3.2): what it would refuse gives no labels.
  let info: StagingInfoFields | undefined;
  if (stagingInfo !== undefined) {
    try {
      info = parseStagingInfo(stagingInfo);
    } catch (error) {
      // A droplet's staging_info.yml is the launcher's business; a broken one only loses labels here.
      if (!(error instanceof YamlError)) throw error;
    }
  }
  const startCommand = str(info?.startCommand);
  if (startCommand) facts.startCommand = startCommand;

  if (metadata) {
    const list = Array.isArray(metadata.buildpacks) ? metadata.buildpacks : [];
    facts.buildpacks = list.map(buildpackOf).filter((b): b is BuildpackLabel => b !== undefined);
    const sbomDigest = sbomDigestOf(metadata);
    if (sbomDigest) facts.sbomDigest = sbomDigest;
    const finishedAt = normalizeTime(metadata.finishedAt ?? metadata.finished_at ?? (isObject(metadata.staging) ? metadata.staging.finishedAt : undefined));
    if (finishedAt) facts.finishedAt = finishedAt;
    if (isObject(metadata.stack)) {
      const name = str(metadata.stack.name);
      const version = str(metadata.stack.version);
      facts.stagedOn = { ...(name && { name }), ...(version && { version }) };
    } else if (str(metadata.stack)) facts.stagedOn = { name: str(metadata.stack)! };
  }
  if (facts.buildpacks.length === 0) {
    const detected = str(info?.detectedBuildpack);
    if (detected) facts.buildpacks = [{ name: detected }];
  }
  return facts;
}
