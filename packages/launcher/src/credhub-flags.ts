// The two CredHub flags the launcher and shell accept after their positional arguments (CONTRACT §10).
import { EXIT, type FlagDef, parseFlags } from '@cf-lifecycle/contract';

export const CREDHUB_FLAGS: readonly FlagDef[] = [
  { name: 'credhubConnectAttempts', kind: 'int', default: 3, usage: 'number of times that the credhub client will attempt to connect to credhub' },
  {
    name: 'credhubRetryDelay',
    kind: 'duration',
    default: 1000,
    usage: 'delay duration that the credhub client will wait before retrying the connection to credhub',
  },
];

export interface CredhubSettings {
  attempts: number;
  retryDelayMs: number;
}

/** Parsing stops at the first non-flag (e.g. the launcher's metadata JSON): then the defaults apply. */
export function parseCredhubFlags(setName: 'launcher' | 'shell', args: readonly string[]): { settings: CredhubSettings } | { exit: number; stderr: string } {
  const parsed = parseFlags(setName, CREDHUB_FLAGS, args);
  if (parsed.kind === 'help') return { exit: EXIT[setName].Help, stderr: parsed.output };
  if (parsed.kind === 'error') return { exit: EXIT[setName].FlagParse, stderr: parsed.output };
  return { settings: { attempts: parsed.values.credhubConnectAttempts as number, retryDelayMs: parsed.values.credhubRetryDelay as number } };
}
