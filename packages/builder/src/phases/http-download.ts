// One HTTP(S) GET of a buildpack zip into a file, with the reference's timeouts (CONTRACT §2.6):
// 10 s to connect and for the TLS handshake, 10 s of idle read, 10 minutes in total. Proxy variables
// (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) are honoured. Redirects are followed, as Go's client does.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const CONNECT_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 10_000;
const TOTAL_TIMEOUT_MS = 10 * 60_000;
const MAX_REDIRECTS = 10;

export class DownloadError extends Error {}

/** Downloads `url` to `file`; returns the byte count. Errors carry Go-like texts. */
export async function httpDownload(url: string, file: string, opts: { skipCertVerify: boolean }): Promise<number> {
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const outcome = await getOnce(current, file, opts);
    if (typeof outcome === 'number') return outcome;
    if (redirects >= MAX_REDIRECTS) throw new DownloadError(`Get "${url}": stopped after ${MAX_REDIRECTS} redirects`);
    current = new URL(outcome.location, current).toString();
  }
}

function getOnce(url: string, file: string, opts: { skipCertVerify: boolean }): Promise<number | { location: string }> {
  return new Promise((resolve, reject) => {
    const parsed = new URL(url);
    const isHttps = parsed.protocol === 'https:';
    if (!isHttps && parsed.protocol !== 'http:') {
      reject(new DownloadError(`Get "${url}": unsupported protocol scheme "${parsed.protocol.replace(/:$/, '')}"`));
      return;
    }
    const agentOptions = { proxyEnv: process.env, rejectUnauthorized: !opts.skipCertVerify, keepAlive: false } as https.AgentOptions;
    const agent = isHttps ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    const request = (isHttps ? https : http).get(url, { agent, timeout: CONNECT_TIMEOUT_MS }, (res) => {
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        res.resume();
        resolve({ location: res.headers.location });
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new DownloadError(`Download failed: Status code ${status}`));
        return;
      }
      const out = fs.createWriteStream(file);
      let size = 0;
      res.on('data', (d: Buffer) => (size += d.length));
      res.setTimeout(IDLE_TIMEOUT_MS, () => res.destroy(new DownloadError(`Get "${url}": read timeout`)));
      res.pipe(out);
      res.on('error', (err) => {
        out.destroy();
        reject(err instanceof DownloadError ? err : new DownloadError(`Get "${url}": ${err.message}`));
      });
      out.on('error', (err) => reject(new DownloadError(`Could not create zip file: ${err.message}`)));
      out.on('finish', () => resolve(size));
    });
    const total = setTimeout(() => request.destroy(new DownloadError(`Get "${url}": context deadline exceeded`)), TOTAL_TIMEOUT_MS);
    request.on('close', () => clearTimeout(total));
    request.on('timeout', () => request.destroy(new DownloadError(`Get "${url}": dial tcp ${parsed.host}: i/o timeout`)));
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof DownloadError) reject(err);
      else reject(new DownloadError(`Get "${url}": ${describeNetError(err, parsed.host)}`));
    });
  });
}

function describeNetError(err: NodeJS.ErrnoException, host: string): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${host}: connect: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${host.replace(/:\d+$/, '')}: no such host`;
    case 'ECONNRESET':
      return 'connection reset by peer';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: certificate is not valid for ${host.replace(/:\d+$/, '')}`;
    case 'CERT_HAS_EXPIRED':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    default:
      return err.message;
  }
}
