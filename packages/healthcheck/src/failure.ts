// Exit statuses and messages of a failed check. The codes and wording are Diego's healthcheck's
// (`cloudfoundry/healthcheck`), so the crash reasons operators know ("Failed to make TCP connection to
// port 8080: connection refused") read the same; the reason after the colon is the real one where
// Diego's tool always says "connection refused".
import { EXIT } from '@cf-lifecycle/contract';
import type { Target } from './config.ts';

/** One failed check: what stdout says and the status the healthcheck exits with. */
export class CheckFailure {
  constructor(
    readonly message: string,
    readonly exitCode: number,
  ) {}
}

/** Go's `%.2f` of the timeout in seconds, as Diego's messages print it. */
const seconds = (ms: number): string => (ms / 1000).toFixed(2);

function connectSubject(target: Target): string {
  switch (target.network) {
    case 'tcp':
      return `TCP connection to port ${target.port}`;
    case 'unix':
      return `Unix socket connection to ${target.socketPath}`;
    case 'unsupported':
      return `${target.name} connection to port ${target.port}`;
  }
}

function httpSubject(target: Target, uri: string): string {
  return target.network === 'unix' ? `'${uri}' on socket ${target.socketPath}` : `'${uri}' on port ${target.port}`;
}

export const connectFailed = (target: Target, reason: string): CheckFailure =>
  new CheckFailure(`Failed to make ${connectSubject(target)}: ${reason}`, EXIT.healthcheck.ConnectFailed);

export const connectTimedOut = (target: Target, timeoutMs: number): CheckFailure =>
  new CheckFailure(`Failed to make ${connectSubject(target)}: timed out after ${seconds(timeoutMs)} seconds`, EXIT.healthcheck.ConnectTimeout);

export const httpRequestInvalid = (target: Target, uri: string): CheckFailure =>
  new CheckFailure(`Failed to create an HTTP request to ${httpSubject(target, uri)}`, EXIT.healthcheck.HttpStatus);

export const httpRequestFailed = (target: Target, uri: string, reason: string): CheckFailure =>
  new CheckFailure(`Failed to make HTTP request to ${httpSubject(target, uri)}: ${reason}`, EXIT.healthcheck.HttpRequestFailed);

export const httpStatusNotOk = (target: Target, uri: string, status: number, elapsedMs: number): CheckFailure =>
  new CheckFailure(
    `Failed to make HTTP request to ${httpSubject(target, uri)}: received status code ${status} in ${Math.floor(elapsedMs)}ms`,
    EXIT.healthcheck.HttpStatus,
  );

export const httpTimedOut = (target: Target, uri: string, timeoutMs: number): CheckFailure =>
  new CheckFailure(`Failed to make HTTP request to ${httpSubject(target, uri)}: timed out after ${seconds(timeoutMs)} seconds`, EXIT.healthcheck.HttpTimeout);

export const terminatedBeforeFirstCheck = (): CheckFailure => new CheckFailure('healthcheck terminated before any check finished', EXIT.healthcheck.Terminated);
