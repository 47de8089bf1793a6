// Scanning staged droplets: OSV advisories matched offline against the dependencies each staging
// recorded, restage/restart advice, and inspection (docs/scanning.md).
export { scanCommand, scan, type ScanOptions, type ScanReport } from './commands/scan.ts';
export { adviseCommand, type AdviseOptions } from './commands/advise.ts';
export { inspectCommand, inspect, type Inspection } from './commands/inspect.ts';
export type { Output } from './commands/output.ts';
export { advise, type Advice, type Outcome } from './advise.ts';
export { parseBuildpacksFile, readBuildpacksFile, type InstalledBuildpack } from './buildpacks-file.ts';
export { findingsFor, Matcher, type Finding, type Match } from './findings.ts';
export { loadTargets, InputError, type Target } from './inputs.ts';
export { LIMITS } from './limits.ts';
export { checkSet, describeMixed, type SetProblem, type StagingSet } from './staging-set.ts';
export { readDroplet } from './droplet.ts';
export { AdvisoryIndex, evaluate, loadAdvisories, OsvError, type Advisory } from './osv.ts';
export { advisorySeverity, cvss3BaseScore, SEVERITIES, type Severity } from './severity.ts';
export { compareVersions, orderingFor } from './versions/index.ts';
