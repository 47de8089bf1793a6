// Staging hooks (docs/hooks.md): operator extension points that run during staging, whatever the
// buildpack. The builder loads them before staging (loadHooks) and runs each phase (runHooks).
export * from './model.ts';
export { HookConfigError, HookDeniedError } from './errors.ts';
export { loadHooks } from './config/load.ts';
export { runHooks, type RunHooksOptions } from './run.ts';
export { parseAnswer } from './answer.ts';
export { SIGNATURE_HEADER, DELIVERY_HEADER, HOOK_HEADER, TIMESTAMP_HEADER, signBody, verifySignature } from './signature.ts';
export { REDACTED } from './secrets.ts';
export { needsSecret, partitionHooks, builderHooksConfig, orchestratorEvent, type HookFileUse, type MapHookFile, type StagedFacts } from './orchestrator.ts';
