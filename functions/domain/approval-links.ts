/**
 * Approval link tokens. A token is signed (HMAC-SHA256 with the link-signing key) over the request id,
 * the approver it was issued to, its expiry and a random nonce, so a tampered or forged link is refused
 * before anything is looked up; the store keeps only its SHA-256 hash, which is what makes it single-use
 * (a conditional write on first use). Tokens never carry a Step Functions task token.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface LinkClaims {
  requestId: string;
  approver: string;
  /** Expiry, epoch seconds. */
  expiresAt: number;
  /** An extension round's id: the link decides that round only (absent: the request's own approval). */
  round?: string;
}

export type LinkCheck =
  | { ok: true; claims: LinkClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature' }
  | { ok: false; reason: 'expired'; claims: LinkClaims };

function sign(key: string, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function issueLinkToken(key: string, claims: LinkClaims): string {
  const payload = Buffer.from(
    JSON.stringify({ r: claims.requestId, a: claims.approver, x: claims.expiresAt, ...(claims.round ? { e: claims.round } : {}), n: randomBytes(16).toString('base64url') }),
  ).toString('base64url');
  return `${payload}.${sign(key, payload)}`;
}

export function checkLinkToken(key: string, token: string, nowSeconds: number): LinkCheck {
  const match = /^([A-Za-z0-9_-]{20,2000})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, payload = '', signature = ''] = match;
  const expected = Buffer.from(sign(key, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { r, a, x, e } = (decoded ?? {}) as Record<string, unknown>;
  if (typeof r !== 'string' || typeof a !== 'string' || typeof x !== 'number' || (e !== undefined && typeof e !== 'string')) return { ok: false, reason: 'malformed' };
  const claims: LinkClaims = { requestId: r, approver: a, expiresAt: x, ...(typeof e === 'string' ? { round: e } : {}) };
  if (nowSeconds >= x) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

/** What the store keys a link by: the token itself is never stored. */
export function linkTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
