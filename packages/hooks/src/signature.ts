// Signing of HTTP hook deliveries (docs/hooks.md "Signing"): HMAC-SHA256 of the raw request body with
// the shared secret, hex, in `X-Lifecycle-Signature: sha256=<hex>`. The body carries the delivery id
// and time (`hook.deliveryId`, `hook.sentAt`), so they are signed too and a receiver can refuse replays.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Lifecycle-Signature';
export const DELIVERY_HEADER = 'X-Lifecycle-Delivery';
export const HOOK_HEADER = 'X-Lifecycle-Hook';
export const TIMESTAMP_HEADER = 'X-Lifecycle-Timestamp';

export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does: recompute and compare in constant time. */
export function verifySignature(body: string | Buffer, header: string | undefined, secret: string): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signBody(body, secret));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
