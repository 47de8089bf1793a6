// The HTTP check: GET -uri; healthy on any 2xx status (Diego's tool accepts only 200; an app that
// answers its health endpoint with 204 No Content is healthy by any reasonable reading). Redirects
// are followed, up to 10, like Go's http.Client does, so an endpoint that redirects to a page
// answering 200 passes as it does on Diego. `-timeout` bounds the whole exchange, redirects and body
// included.
import http from 'node:http';
import https from 'node:https';
import type { Target } from '../config.ts';
import { type CheckFailure, connectFailed, httpRequestFailed, httpRequestInvalid, httpStatusNotOk, httpTimedOut } from '../failure.ts';
import { after } from '../timers.ts';
import { CHECK_HOST } from './address.ts';
import type { Check } from './check.ts';
import { errorReason } from './error-reason.ts';

const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

// Diego's headers: apps that redirect plain HTTP to HTTPS see the check as already secure.
const HEADERS = { 'User-Agent': 'diego-healthcheck', 'X-Forwarded-Proto': 'https' };

/** The URL first requested, or `undefined` when `-uri`/`-port` do not make one (exit 6, like Diego). */
function firstUrl(target: Target, uri: string): URL | undefined {
  // Concatenated as Diego does, so `-uri=health` (no slash) is an invalid request rather than a
  // request for `/health`; a -uri that changes the host (`@elsewhere/`) is invalid too. WHATWG
  // parsing percent-encodes what Go would, and also drops dot segments.
  const origin = target.network === 'unix' ? 'http://localhost' : `http://${CHECK_HOST}:${target.port}`;
  try {
    const url = new URL(origin + uri);
    return url.origin === new URL(origin).origin ? url : undefined;
  } catch {
    return undefined;
  }
}

export function httpCheck(target: Target, uri: string): Check {
  return (timeoutMs) =>
    new Promise((resolve) => {
      if (target.network === 'unsupported') return resolve(connectFailed(target, `unknown network ${target.name}`));
      const start = firstUrl(target, uri);
      if (start === undefined) return resolve(httpRequestInvalid(target, uri));
      const started = performance.now();
      let request: http.ClientRequest | undefined;
      /** The status verdict, once response headers arrived; the body is then only drained. */
      let verdict: { failure: CheckFailure | undefined } | undefined;
      let settled = false;
      const settle = (failure: CheckFailure | undefined): void => {
        if (settled) return;
        settled = true;
        cancelTimeout();
        request?.destroy();
        resolve(failure);
      };
      // Like Go, a timeout while draining the body does not change the verdict the status gave.
      const cancelTimeout = after(timeoutMs, () => settle(verdict ? verdict.failure : httpTimedOut(target, uri, timeoutMs)));

      const send = (url: URL, redirects: number): void => {
        const options: http.RequestOptions = { method: 'GET', headers: HEADERS, agent: false };
        // The socket carries requests for the app's own origin; a redirect elsewhere goes by the URL.
        if (target.network === 'unix' && url.origin === start.origin) options.socketPath = target.socketPath;
        let req: http.ClientRequest;
        try {
          req = (url.protocol === 'https:' ? https : http).request(url, options);
        } catch (err) {
          settle(redirects === 0 ? httpRequestInvalid(target, uri) : httpRequestFailed(target, uri, errorReason(err)));
          return;
        }
        request = req;
        // Only the latest request of a redirect chain speaks for the check.
        req.on('error', (err) => {
          if (req === request) settle(httpRequestFailed(target, uri, errorReason(err)));
        });
        req.on('response', (res) => {
          res.on('error', () => {});
          const status = res.statusCode ?? 0;
          const location = res.headers.location;
          if (REDIRECT_STATUSES.has(status) && location !== undefined) {
            res.resume();
            if (redirects >= MAX_REDIRECTS) return settle(httpRequestFailed(target, uri, `stopped after ${MAX_REDIRECTS} redirects`));
            let next: URL;
            try {
              next = new URL(location, url);
            } catch {
              return settle(httpRequestFailed(target, uri, `failed to parse Location header ${JSON.stringify(location)}`));
            }
            if (next.protocol !== 'http:' && next.protocol !== 'https:') {
              return settle(httpRequestFailed(target, uri, `unsupported protocol scheme ${JSON.stringify(next.protocol.slice(0, -1))}`));
            }
            return send(next, redirects + 1);
          }
          const failure = status >= 200 && status < 300 ? undefined : httpStatusNotOk(target, uri, status, performance.now() - started);
          verdict = { failure };
          // Read the body to its end before closing, so the app does not see its answer cut off.
          const finish = (): void => settle(failure);
          res.once('end', finish);
          res.once('error', finish);
          res.once('close', finish);
          res.resume();
        });
        req.end();
      };
      send(start, 0);
    });
}
