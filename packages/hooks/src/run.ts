// runHooks: one phase's hooks in name order, every run timed and recorded, the policy applied.
import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { capFindings } from './answer.ts';
import { byName } from './config/names.ts';
import { HookDeniedError } from './errors.ts';
import { runBuiltinHook } from './kinds/builtin.ts';
import { runExecHook } from './kinds/exec.ts';
import { newDelivery, runHttpHook } from './kinds/http.ts';
import type { Finding, HookDefinition, HookEvent, HookLog, HookPayload, HookPhase, HookRecord, Verdict } from './model.ts';
import { Redactor } from './secrets.ts';
import { oneLine, short } from './text.ts';

export interface RunHooksOptions {
  /** The environment exec hooks' variables are picked from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Told about each exec hook process (its own process group), e.g. to end it on SIGTERM. */
  onChild?: (child: ChildProcess) => void;
}

/** Variables an exec hook inherits; the app's (VCAP_SERVICES, credentials) are not passed on. */
const PASSED_ENV =
  /^(PATH|HOME|USER|LANG|LANGUAGE|LC_[A-Z]+|TZ|TMPDIR|SSL_CERT_FILE|SSL_CERT_DIR|NODE_EXTRA_CA_CERTS|(https?|no|all)_proxy|(HTTPS?|NO|ALL)_PROXY|CF_STACK)$/;

const LOG_FINDINGS = 20;
const MAX_MESSAGE = 1024;

/**
 * Runs `phase`'s hooks in name order and returns their records. A `required` hook that denies or
 * fails ends the phase with a HookDeniedError carrying its record and the records so far; an
 * `advisory` one is recorded and logged, and the next hook runs.
 */
export async function runHooks(
  phase: HookPhase,
  hooks: HookDefinition[],
  event: HookEvent,
  log: HookLog,
  options: RunHooksOptions = {},
): Promise<HookRecord[]> {
  const due = hooks.filter((h) => h.phase === phase).sort(byName);
  const records: HookRecord[] = [];
  if (due.length === 0) return records;
  // Every secret of every hook is scrubbed from everything any hook produces.
  const redactor = Redactor.forHooks(hooks);
  for (const hook of due) {
    log.stdout(`-----> Running hook ${hook.name} (${phase}, ${hook.kind}, ${hook.policy})\n`);
    const started = performance.now();
    const verdict = redact(await runOne(hook, phase, event, log, redactor, options), redactor);
    const record: HookRecord = {
      name: hook.name,
      phase,
      kind: hook.kind,
      policy: hook.policy,
      durationMs: Math.round(performance.now() - started),
      outcome: verdict.outcome,
      ...(verdict.message !== undefined ? { message: verdict.message } : {}),
      findings: verdict.findings,
    };
    records.push(record);
    report(record, log);
    if (record.outcome !== 'allow' && hook.policy === 'required') throw new HookDeniedError(record, records);
  }
  return records;
}

async function runOne(hook: HookDefinition, phase: HookPhase, event: HookEvent, log: HookLog, redactor: Redactor, options: RunHooksOptions): Promise<Verdict> {
  const delivery = newDelivery();
  const payload: HookPayload = {
    ...event,
    phase,
    hook: { name: hook.name, kind: hook.kind, policy: hook.policy, timeoutMs: hook.timeoutMs, ...delivery },
  };
  const body = JSON.stringify(payload);
  try {
    switch (hook.kind) {
      case 'exec':
        return await runExecHook(hook, {
          body,
          env: hookEnv(options.env ?? process.env, hook, phase),
          cwd: existingDir(event.paths.buildDir) ?? '/',
          redactor,
          stderr: log.stderr,
          onChild: options.onChild,
        });
      case 'http':
        return await runHttpHook(hook, { body, ...delivery });
      case 'builtin':
        return await runBuiltinHook(hook, payload);
    }
  } catch (err) {
    return { outcome: 'error', message: (err as Error)?.message ?? String(err), findings: [] };
  }
}

function hookEnv(base: NodeJS.ProcessEnv, hook: HookDefinition, phase: HookPhase): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && PASSED_ENV.test(k)) env[k] = v;
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  env.LIFECYCLE_HOOK_NAME = hook.name;
  env.LIFECYCLE_HOOK_PHASE = phase;
  return env;
}

function existingDir(dir: string): string | undefined {
  try {
    return fs.statSync(dir).isDirectory() ? dir : undefined;
  } catch {
    return undefined;
  }
}

function redact(v: Verdict, redactor: Redactor): Verdict {
  const out: Verdict = { outcome: v.outcome, findings: capFindings(v.findings).map((f) => redactFinding(f, redactor)) };
  // Redacted before it is cut, so no cut leaves part of a secret; one line, as it may end the builder's output.
  if (v.message !== undefined) out.message = short(oneLine(redactor.text(v.message)), MAX_MESSAGE);
  return out;
}

function redactFinding(f: Finding, redactor: Redactor): Finding {
  const out: Finding = { id: short(redactor.text(f.id)) };
  if (f.severity !== undefined) out.severity = short(redactor.text(f.severity));
  if (f.summary !== undefined) out.summary = short(redactor.text(f.summary));
  return out;
}

function report(r: HookRecord, log: HookLog): void {
  const seconds = (r.durationMs / 1000).toFixed(2);
  log.stdout(`       ${r.name}: ${r.outcome} in ${seconds}s${r.message ? `: ${oneLine(r.message)}` : ''}\n`);
  for (const f of r.findings.slice(0, LOG_FINDINGS)) {
    log.stdout(`       ${f.severity ? `[${oneLine(f.severity)}] ` : ''}${oneLine(f.id)}${f.summary ? `: ${oneLine(f.summary)}` : ''}\n`);
  }
  if (r.findings.length > LOG_FINDINGS) log.stdout(`       … ${r.findings.length - LOG_FINDINGS} more findings in the staging metadata\n`);
  if (r.outcome !== 'allow' && r.policy === 'advisory') {
    log.stderr(
      `Advisory hook '${r.name}' (${r.phase}) ${r.outcome === 'deny' ? 'denied' : 'failed'}${r.message ? `: ${oneLine(r.message)}` : ''}; staging goes on\n`,
    );
  }
}
