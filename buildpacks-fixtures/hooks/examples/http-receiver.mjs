#!/usr/bin/env node
// Example HTTP hook receiver, plain Node.js (no dependencies). It:
//   - verifies X-Lifecycle-Signature (HMAC-SHA256 of the raw body) in constant time → 401 if wrong;
//   - refuses deliveries older than 5 minutes, or whose hook.deliveryId it has already seen (replays);
//   - denies staging when the SBOM (paths.sbom, readable when this runs next to the builder) lists a
//     package named in BANNED_PACKAGES, and otherwise answers 204.
//
//   HOOK_SECRET_FILE=hook.secret PORT=8443 TLS_CERT=server.crt TLS_KEY=server.key \
//   BANNED_PACKAGES=left-pad,event-stream node http-receiver.mjs
//
// It prints `listening on <url>` once ready. Without TLS_CERT/TLS_KEY it serves plain HTTP.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const secret = fs.readFileSync(process.env.HOOK_SECRET_FILE ?? 'hook.secret', 'utf8').replace(/[\r\n]+$/, '');
const banned = new Set(
  (process.env.BANNED_PACKAGES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const MAX_AGE_MS = 5 * 60 * 1000;
const seen = new Map(); // deliveryId -> time seen, forgotten after MAX_AGE_MS

function verified(raw, header) {
  const expected = Buffer.from(`sha256=${crypto.createHmac('sha256', secret).update(raw).digest('hex')}`);
  const given = Buffer.from(String(header ?? ''));
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

function answer(res, status, body) {
  res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function sbomComponents(file) {
  try {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    const out = [];
    const walk = (list) => {
      for (const c of Array.isArray(list) ? list : []) {
        out.push(c);
        walk(c.components);
      }
    };
    walk(doc.components);
    return out;
  } catch {
    return [];
  }
}

function handle(raw, req, res) {
  if (req.method !== 'POST') return answer(res, 405);
  if (!verified(raw, req.headers['x-lifecycle-signature'])) return answer(res, 401, { error: 'bad signature' });
  const event = JSON.parse(raw.toString('utf8')); // only parsed once the signature checked out
  const sentAt = Date.parse(event.hook?.sentAt ?? '');
  const now = Date.now();
  for (const [id, at] of seen) if (now - at > MAX_AGE_MS) seen.delete(id);
  if (!(Math.abs(now - sentAt) <= MAX_AGE_MS)) return answer(res, 401, { error: 'stale delivery' });
  if (seen.has(event.hook.deliveryId)) return answer(res, 409, { error: 'replayed delivery' });
  seen.set(event.hook.deliveryId, now);

  const hits = event.paths?.sbom ? sbomComponents(event.paths.sbom).filter((c) => banned.has(c.group ? `${c.group}/${c.name}` : c.name)) : [];
  if (hits.length === 0) return answer(res, 204);
  const label = (c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version ?? '?'}`;
  answer(res, 200, {
    decision: 'deny',
    message: `banned packages: ${hits.map(label).join(', ')}`,
    findings: hits.map((c) => ({ id: `banned:${c.purl ?? label(c)}`, severity: 'critical', summary: `${label(c)} is banned here` })),
  });
}

const tls =
  process.env.TLS_CERT && process.env.TLS_KEY ? { cert: fs.readFileSync(process.env.TLS_CERT), key: fs.readFileSync(process.env.TLS_KEY) } : undefined;
const onRequest = (req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > 10 * 1024 * 1024) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    try {
      handle(Buffer.concat(chunks), req, res);
    } catch (err) {
      answer(res, 500, { error: String(err?.message ?? err) });
    }
  });
};
const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`listening on ${tls ? 'https' : 'http'}://${address}:${port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
