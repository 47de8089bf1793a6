// The port check: healthy when a connection can be opened; it is closed straight away.
import net from 'node:net';
import type { Target } from '../config.ts';
import { type CheckFailure, connectFailed, connectTimedOut } from '../failure.ts';
import { after } from '../timers.ts';
import { CHECK_HOST, parseTcpPort } from './address.ts';
import type { Check } from './check.ts';
import { errorReason } from './error-reason.ts';

export function portCheck(target: Target): Check {
  return (timeoutMs) =>
    new Promise((resolve) => {
      let options: net.NetConnectOpts;
      if (target.network === 'unsupported') {
        return resolve(connectFailed(target, `unknown network ${target.name}`));
      } else if (target.network === 'unix') {
        options = { path: target.socketPath };
      } else {
        const port = parseTcpPort(target.port);
        if (port === undefined) return resolve(connectFailed(target, 'invalid port'));
        options = { host: CHECK_HOST, port };
      }
      const socket = net.connect(options);
      const settle = (failure: CheckFailure | undefined): void => {
        cancelTimeout();
        socket.destroy();
        resolve(failure);
      };
      const cancelTimeout = after(timeoutMs, () => settle(connectTimedOut(target, timeoutMs)));
      socket.once('connect', () => settle(undefined));
      socket.once('error', (err) => settle(connectFailed(target, errorReason(err))));
    });
}
