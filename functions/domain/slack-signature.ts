/**
 * Slack request signing (docs/slack-facts.md, "Verifying requests"): `v0=` + hex HMAC-SHA256, keyed with the signing secret as
 * UTF-8 text, over `v0:<timestamp>:<raw body exactly as received>`. Verification rejects timestamps more
 * than five minutes away in either direction and compares in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far the request timestamp may be from now, either way (seconds). */
export const MAX_CLOCK_SKEW_SECONDS = 300;

export type SlackSignatureCheck = { ok: true } | { ok: false; reason: 'missing-headers' | 'stale-timestamp' | 'bad-signature' };

export interface SlackSignatureInput {
  secret: string;
  /** The `X-Slack-Request-Timestamp` header (Unix seconds), as received. */
  timestamp: string | undefined;
  /** The `X-Slack-Signature` header, as received. */
  signature: string | undefined;
  /** The body before any decoding (base64-decode API Gateway bodies first). */
  rawBody: string;
  nowSeconds: number;
}

export function signSlackRequest(secret: string, timestamp: string | number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`;
}

export function verifySlackSignature({ secret, timestamp, signature, rawBody, nowSeconds }: SlackSignatureInput): SlackSignatureCheck {
  if (!timestamp || !signature) return { ok: false, reason: 'missing-headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'stale-timestamp' };
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) return { ok: false, reason: 'stale-timestamp' };

  const expected = Buffer.from(signSlackRequest(secret, timestamp, rawBody), 'utf8');
  const received = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch is a bad signature whatever the content.
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) return { ok: false, reason: 'bad-signature' };
  return { ok: true };
}
