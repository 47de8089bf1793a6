// The data of staging hooks: where they run, how they are declared, what they receive and answer,
// and what the builder records about each run (docs/hooks.md).

export const HOOK_PHASES = ['pre-detect', 'post-build', 'post-package'] as const;
export type HookPhase = (typeof HOOK_PHASES)[number];

export const HOOK_KINDS = ['exec', 'http', 'builtin'] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

export const BUILTIN_HOOKS = ['sbom', 'licenses', 'vulnerabilities'] as const;
export type BuiltinName = (typeof BUILTIN_HOOKS)[number];

export const HOOK_POLICIES = ['required', 'advisory'] as const;
export type HookPolicy = (typeof HOOK_POLICIES)[number];

export interface Finding {
  id: string;
  severity?: string;
  summary?: string;
}

export interface HookDefinition {
  name: string;
  kind: HookKind;
  phase: HookPhase;
  /** exec: the executable. */
  path?: string;
  /** http: where the event is POSTed. */
  url?: string;
  /** builtin: which one. */
  builtin?: BuiltinName;
  policy: HookPolicy;
  timeoutMs: number;
  /** http: file holding the HMAC secret (only the path is kept; the content is read when the hook runs). */
  secretFile?: string;
  /** http: PEM file of extra CA certificates trusted besides the system ones. */
  caFile?: string;
  /** builtin: its settings (relative paths already resolved against the config file's directory). */
  options?: Record<string, unknown>;
}

/** What a hook receives: on stdin (exec) or as the POST body (http). */
export interface HookEvent {
  schemaVersion: 1;
  phase: HookPhase;
  app: { name?: string; buildDir: string };
  stack: { name: string; version?: string };
  buildpacks: Array<{ key: string; name?: string; version?: string }>;
  paths: { buildDir: string; depsDir?: string; droplet?: string; stagingMetadata?: string; sbom?: string; cacheDir?: string };
  processTypes?: Record<string, string>;
}

/** Added to the event for each delivery, so a hook knows who it is and (signed, for http) when it was sent. */
export interface HookDelivery {
  name: string;
  kind: HookKind;
  policy: HookPolicy;
  timeoutMs: number;
  /** A random UUID per delivery: a receiver can refuse one it has seen (replay protection). */
  deliveryId: string;
  /** RFC 3339 time the event was sent. */
  sentAt: string;
}

export type HookPayload = HookEvent & { hook: HookDelivery };

export type HookOutcome = 'allow' | 'deny' | 'error' | 'timeout' | 'malformed';

export interface HookRecord {
  name: string;
  phase: HookPhase;
  kind: HookKind;
  policy: HookPolicy;
  durationMs: number;
  outcome: HookOutcome;
  message?: string;
  findings: Finding[];
}

/** What one hook run came to, before it is timed and recorded. */
export interface Verdict {
  outcome: HookOutcome;
  message?: string;
  findings: Finding[];
}

export interface HookLog {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
/** A hook cannot ask for more than this: staging must end. */
export const MAX_TIMEOUT_MS = 60 * 60_000;
/** Most bytes read from an exec hook's stdout or an HTTP hook's response body. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
/** Most findings kept per hook run (the rest are counted in one last finding). */
export const MAX_FINDINGS = 1000;
