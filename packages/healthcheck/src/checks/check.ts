import type { CheckFailure } from '../failure.ts';

/**
 * One health check: resolves to `undefined` when healthy, or to the failure. It never rejects, and it
 * gives up after `timeoutMs` (`Infinity`: never).
 */
export type Check = (timeoutMs: number) => Promise<CheckFailure | undefined>;
