// OSV advisories (https://ossf.github.io/osv-schema/): loading a directory of records (an export of
// the OSV database unpacked, or the project's fixture), indexing their affected packages by
// (ecosystem, normalised name), and deciding whether one installed version is affected.
import fs from 'node:fs';
import { FileInputError, readTextBounded, walkFiles } from '@cf-lifecycle/files';
import { LIMITS } from './limits.ts';
import { advisorySeverity, type AdvisorySeverity, type SeverityOrUnknown } from './severity.ts';
import { orderingFor, SEMVER_ORDERING, type VersionOrdering } from './versions/index.ts';

/** The ecosystems the scanner matches (OSV's names; `Debian:12` is `Debian` release 12). */
export const SCANNED_ECOSYSTEMS = new Set(['npm', 'PyPI', 'RubyGems', 'Packagist', 'Go', 'Maven', 'Debian']);

export interface Advisory {
  id: string;
  /** CVE ids among its aliases (and, for Debian records, its `upstream` ids). */
  cves: string[];
  aliases: string[];
  summary?: string;
  readonly severity: SeverityOrUnknown;
  readonly score?: number;
}

/** An advisory whose severity is worked out on first use: most advisories never match anything. */
class LoadedAdvisory implements Advisory {
  readonly id: string;
  readonly cves: string[];
  readonly aliases: string[];
  readonly summary?: string;
  #record: Record<string, unknown> | undefined;
  #severity: AdvisorySeverity | undefined;

  constructor(record: Record<string, unknown>) {
    this.id = record.id as string;
    this.aliases = strings(record.aliases);
    const ids = [...this.aliases, ...strings(record.upstream)];
    this.cves = [...new Set(ids.filter((a) => /^CVE-\d+-\d+$/.test(a)))];
    if (typeof record.summary === 'string') this.summary = record.summary;
    this.#record = { severity: record.severity, database_specific: record.database_specific, affected: record.affected };
  }

  #computed(): AdvisorySeverity {
    if (!this.#severity) {
      this.#severity = advisorySeverity(this.#record ?? {});
      this.#record = undefined;
    }
    return this.#severity;
  }

  get severity(): SeverityOrUnknown {
    return this.#computed().severity;
  }

  get score(): number | undefined {
    return this.#computed().score;
  }

  toJSON(): object {
    const { score } = this;
    return {
      id: this.id,
      cves: this.cves,
      aliases: this.aliases,
      ...(this.summary ? { summary: this.summary } : {}),
      severity: this.severity,
      ...(score !== undefined ? { score } : {}),
    };
  }
}

interface Event {
  kind: 'introduced' | 'fixed' | 'last_affected';
  version: string;
  parsed?: unknown;
}

interface Range {
  ordering: VersionOrdering;
  events: Event[];
  prepared: boolean;
}

export interface AffectedPackage {
  advisory: Advisory;
  ecosystem: string;
  /** The release of a distribution ecosystem (`12` of `Debian:12`). */
  release?: string;
  name: string;
  ranges: Range[];
  versions?: Set<string>;
}

export interface Verdict {
  affected: boolean;
  /** The lowest version that fixes it for this installed version, when the advisory names one. */
  fixed?: string;
}

export class OsvError extends Error {}

/** One installed version parsed by each ordering that looked at it (a scan evaluates it against many ranges). */
export type ParsedVersions = Map<VersionOrdering, unknown>;

export function normalizePackageName(ecosystem: string, name: string): string {
  switch (ecosystem) {
    case 'PyPI':
      return name.toLowerCase().replace(/[-_.]+/g, '-');
    case 'npm':
    case 'Packagist':
      return /[A-Z]/.test(name) ? name.toLowerCase() : name;
    default:
      return name;
  }
}

export class AdvisoryIndex {
  /** ecosystem → normalised name → entries. */
  readonly #byPackage = new Map<string, Map<string, AffectedPackage[]>>();
  advisories = 0;
  /** Records skipped because they were not valid JSON or not OSV. */
  readonly skipped: string[] = [];

  add(record: unknown, where: string): void {
    if (typeof record !== 'object' || record === null || typeof (record as { id?: unknown }).id !== 'string') {
      this.skipped.push(`${where}: not an OSV record`);
      return;
    }
    const r = record as Record<string, unknown>;
    if (typeof r.withdrawn === 'string' && r.withdrawn !== '') return;
    const advisory = new LoadedAdvisory(r);
    this.advisories++;
    for (const a of Array.isArray(r.affected) ? r.affected : []) {
      const pkg = (a as { package?: { ecosystem?: unknown; name?: unknown } })?.package;
      if (typeof pkg?.ecosystem !== 'string' || typeof pkg.name !== 'string') continue;
      const [base, release] = splitEcosystem(pkg.ecosystem);
      if (!SCANNED_ECOSYSTEMS.has(base)) continue;
      const entry: AffectedPackage = { advisory, ecosystem: base, name: pkg.name, ranges: [] };
      if (release) entry.release = release;
      const ecosystemOrdering = orderingFor(base);
      for (const range of arrayOf((a as { ranges?: unknown }).ranges)) {
        const type = (range as { type?: unknown })?.type;
        // GIT ranges name commits, not versions: they cannot be evaluated against an installed version.
        if (type !== 'SEMVER' && type !== 'ECOSYSTEM') continue;
        const events: Event[] = [];
        for (const e of arrayOf((range as { events?: unknown }).events)) {
          const ev = e as Record<string, unknown>;
          for (const kind of ['introduced', 'fixed', 'last_affected'] as const) {
            if (typeof ev?.[kind] === 'string') events.push({ kind, version: ev[kind] as string });
          }
        }
        if (events.length > 0) entry.ranges.push({ ordering: type === 'SEMVER' ? SEMVER_ORDERING : ecosystemOrdering, events, prepared: false });
      }
      const versions = strings((a as { versions?: unknown }).versions);
      if (versions.length > 0) entry.versions = new Set(versions);
      if (entry.ranges.length === 0 && !entry.versions) continue;
      let names = this.#byPackage.get(base);
      if (!names) this.#byPackage.set(base, (names = new Map()));
      const key = normalizePackageName(base, pkg.name);
      const list = names.get(key);
      if (list) list.push(entry);
      else names.set(key, [entry]);
    }
  }

  /** Adds the records of one file: a record, or an array of records; JSON errors are reported as skipped. */
  addText(text: string, file: string): void {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      this.skipped.push(`${file}: ${(err as Error).message}`);
      return;
    }
    if (Array.isArray(doc)) for (const [i, r] of doc.entries()) this.add(r, `${file}[${i}]`);
    else this.add(doc, file);
  }

  /** The affected-package entries naming this package (any release). */
  lookup(ecosystem: string, name: string): readonly AffectedPackage[] {
    return this.#byPackage.get(ecosystem)?.get(normalizePackageName(ecosystem, name)) ?? NONE;
  }
}

const NONE: readonly AffectedPackage[] = [];

export function splitEcosystem(ecosystem: string): [string, string | undefined] {
  const colon = ecosystem.indexOf(':');
  return colon < 0 ? [ecosystem, undefined] : [ecosystem.slice(0, colon), ecosystem.slice(colon + 1)];
}

/**
 * Loads every `*.json` under a directory (recursively, without following symbolic links, at most
 * LIMITS.osvFiles files of LIMITS.osvFileBytes each), or one file holding a record or an array of
 * records. Throws OsvError when the path cannot be read or holds no advisory at all; a file over its
 * cap inside a directory is skipped and reported like one that is not JSON.
 */
export function loadAdvisories(location: string): AdvisoryIndex {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(location);
  } catch {
    throw new OsvError(`--osv ${location}: no such file or directory`);
  }
  const index = new AdvisoryIndex();
  let files: string[];
  if (stat.isDirectory()) {
    files = jsonFiles(location);
  } else {
    // Named explicitly: a device, a FIFO or a file over the cap is an error, not a skip.
    index.addText(readOsvFile(location, '--osv'), location);
    files = [];
  }
  for (const file of files) {
    let text: string;
    try {
      text = readOsvFile(file, undefined);
    } catch (err) {
      index.skipped.push((err as Error).message);
      continue;
    }
    index.addText(text, file);
  }
  if (index.advisories === 0) throw new OsvError(`--osv ${location}: no OSV advisories found`);
  return index;
}

function readOsvFile(file: string, what: string | undefined): string {
  try {
    return readTextBounded(file, { maxBytes: LIMITS.osvFileBytes, ...(what !== undefined ? { what } : {}) });
  } catch (err) {
    if (err instanceof FileInputError) throw new OsvError(err.message);
    throw err;
  }
}

export function jsonFiles(dir: string): string[] {
  try {
    return walkFiles(dir, {
      accept: (name) => name.endsWith('.json'),
      maxFiles: LIMITS.osvFiles,
      tooMany: 'give a directory of the ecosystems you scan',
      what: (d) => `--osv ${d}`,
    });
  } catch (err) {
    throw err instanceof FileInputError ? new OsvError(err.message) : err;
  }
}

/**
 * OSV's evaluation (osv-schema, "Evaluation"): walking the events of a range sorted by version,
 * `introduced` at or below the version makes it affected, `fixed` at or below it or
 * `last_affected` below it makes it not; a `versions` list entry equal to it makes it affected.
 */
export function evaluate(entry: AffectedPackage, version: string, parsed: ParsedVersions = new Map()): Verdict {
  for (const range of entry.ranges) {
    const installed = parsedWith(range.ordering, version, parsed);
    if (installed === undefined) continue;
    prepare(range);
    let affected = false;
    let fixed: string | undefined;
    for (const ev of range.events) {
      const c = ev.parsed === ZERO ? 1 : range.ordering.compare(installed, ev.parsed);
      if (ev.kind === 'introduced') {
        if (c >= 0) {
          affected = true;
          fixed = undefined;
        }
      } else if (ev.kind === 'fixed') {
        if (c >= 0) affected = false;
        else if (affected && fixed === undefined) fixed = ev.version;
      } else if (c > 0) {
        affected = false;
      }
    }
    if (affected) return fixed === undefined ? AFFECTED : { affected, fixed };
  }
  if (!entry.versions?.has(version)) return NOT_AFFECTED;
  // Listed explicitly: report the lowest fix above the version that any range names.
  let lowest: { version: string; parsed: unknown; ordering: VersionOrdering } | undefined;
  for (const range of entry.ranges) {
    const installed = parsedWith(range.ordering, version, parsed);
    if (installed === undefined) continue;
    for (const ev of range.events) {
      if (ev.kind !== 'fixed' || range.ordering.compare(installed, ev.parsed) >= 0) continue;
      if (!lowest || (lowest.ordering === range.ordering && range.ordering.compare(ev.parsed, lowest.parsed) < 0))
        lowest = { version: ev.version, parsed: ev.parsed, ordering: range.ordering };
    }
  }
  return lowest ? { affected: true, fixed: lowest.version } : AFFECTED;
}

function parsedWith(ordering: VersionOrdering, version: string, parsed: ParsedVersions): unknown {
  let value = parsed.get(ordering);
  if (value === undefined && !parsed.has(ordering)) {
    value = ordering.parse(version);
    parsed.set(ordering, value);
  }
  return value;
}

const AFFECTED: Verdict = Object.freeze({ affected: true });
const NOT_AFFECTED: Verdict = Object.freeze({ affected: false });

const ZERO = Symbol('zero');

// Event versions are parsed and sorted once, on first use; events that do not parse are dropped.
function prepare(range: Range): void {
  if (range.prepared) return;
  const events: Event[] = [];
  for (const ev of range.events) {
    if (ev.kind === 'introduced' && ev.version === '0') {
      events.push({ ...ev, parsed: ZERO });
      continue;
    }
    const parsed = range.ordering.parse(ev.version);
    if (parsed !== undefined) events.push({ ...ev, parsed });
  }
  events.sort((a, b) => (a.parsed === ZERO ? (b.parsed === ZERO ? 0 : -1) : b.parsed === ZERO ? 1 : range.ordering.compare(a.parsed, b.parsed)));
  range.events = events;
  range.prepared = true;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
