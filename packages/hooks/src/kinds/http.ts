// HTTP hooks: the payload POSTed as JSON, signed with the hook's secret (signature.ts), over HTTPS
// with the system CAs plus the hook's CA file. 2xx with a JSON answer, or an empty body (204), is the
// answer; any other status is an error. Redirects are not followed; the whole exchange has one deadline.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { randomUUID } from 'node:crypto';
import { formatGoDuration } from '@cf-lifecycle/contract';
import { parseAnswer } from '../answer.ts';
import { MAX_ANSWER_BYTES, type HookDefinition, type Verdict } from '../model.ts';
import { readSecret, SecretFileError } from '../secrets.ts';
import { DELIVERY_HEADER, HOOK_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from '../signature.ts';

export interface HttpDelivery {
  body: string;
  deliveryId: string;
  sentAt: string;
}

export function newDelivery(): { deliveryId: string; sentAt: string } {
  return { deliveryId: randomUUID(), sentAt: new Date().toISOString() };
}

export async function runHttpHook(hook: HookDefinition, delivery: HttpDelivery): Promise<Verdict> {
  let secret: string;
  let ca: string[] | undefined;
  try {
    secret = readSecret(hook.secretFile!);
    if (hook.caFile) ca = [...tls.rootCertificates, fs.readFileSync(hook.caFile, 'utf8')];
  } catch (err) {
    const text = err instanceof SecretFileError ? err.message : `cannot read CA file ${hook.caFile}: ${(err as NodeJS.ErrnoException).code}`;
    return { outcome: 'error', message: text, findings: [] };
  }
  const url = new URL(hook.url!);
  const body = Buffer.from(delivery.body, 'utf8');
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
    'User-Agent': 'cf-lifecycle-builder',
    Accept: 'application/json',
    [SIGNATURE_HEADER]: signBody(body, secret),
    [DELIVERY_HEADER]: delivery.deliveryId,
    [TIMESTAMP_HEADER]: String(Math.floor(Date.parse(delivery.sentAt) / 1000)),
    [HOOK_HEADER]: hook.name,
  };

  return new Promise((resolve) => {
    let settled = false;
    const done = (v: Verdict) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(v);
    };
    const options: https.RequestOptions = { method: 'POST', headers, agent: false };
    if (url.protocol === 'https:') Object.assign(options, { ca, rejectUnauthorized: true, minVersion: 'TLSv1.2' as const });
    const req = (url.protocol === 'https:' ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        size += d.length;
        if (size > MAX_ANSWER_BYTES) {
          done({ outcome: 'malformed', message: `malformed answer: response body larger than ${MAX_ANSWER_BYTES} bytes`, findings: [] });
          return;
        }
        chunks.push(d);
      });
      res.on('error', (err) => done({ outcome: 'error', message: `reading the response: ${err.message}`, findings: [] }));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        if (status < 200 || status > 299) {
          // The first line whole: it is cut to length only after secrets are redacted.
          const detail = text.trim() === '' ? '' : `: ${text.trim().split('\n')[0] ?? ''}`;
          const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
          done({ outcome: 'error', message: `HTTP ${status}${redirect}${detail}`, findings: [] });
          return;
        }
        done(parseAnswer(status === 204 ? '' : text));
      });
    });
    const timer = setTimeout(() => done({ outcome: 'timeout', message: `timed out after ${formatGoDuration(hook.timeoutMs)}`, findings: [] }), hook.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done({ outcome: 'error', message: requestErrorText(err), findings: [] }));
    req.end(body);
  });
}

function requestErrorText(err: NodeJS.ErrnoException): string {
  // Node's TLS messages are clear (`self-signed certificate`, `unable to verify the first certificate`).
  return err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message;
}
