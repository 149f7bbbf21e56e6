import { createHmac } from 'node:crypto';
import { checkLinkToken, issueLinkToken, linkTokenHash, type LinkClaims } from '../../functions/domain/approval-links.js';

const KEY = 'link-signing-key-for-tests-0123456789';
const NOW = 1_750_000_000;
const claims: LinkClaims = { requestId: '3f1c2a9e-8d7b-4c6a-9e5f-0a1b2c3d4e5f', approver: 'bob@example.com', expiresAt: NOW + 3600 };

/** A token signed with KEY over an arbitrary payload (to reach the checks behind the signature). */
function signedToken(payloadText: string): string {
  const payload = Buffer.from(payloadText).toString('base64url');
  return `${payload}.${createHmac('sha256', KEY).update(payload).digest('base64url')}`;
}

function flip(char: string): string {
  return char === 'A' ? 'B' : 'A';
}

describe('issueLinkToken / checkLinkToken', () => {
  it('round trip: the claims come back', () => {
    const token = issueLinkToken(KEY, claims);
    expect(checkLinkToken(KEY, token, NOW)).toEqual({ ok: true, claims });
  });

  it('the token is URL-safe: two base64url parts', () => {
    const token = issueLinkToken(KEY, claims);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
  });

  it('two tokens for the same claims differ (a nonce) and both check', () => {
    const first = issueLinkToken(KEY, claims);
    const second = issueLinkToken(KEY, claims);
    expect(first).not.toBe(second);
    expect(checkLinkToken(KEY, second, NOW).ok).toBe(true);
  });

  it('a changed payload fails the signature', () => {
    const token = issueLinkToken(KEY, claims);
    const [payload = '', signature = ''] = token.split('.');
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...decoded, a: 'mallory@example.com' })).toString('base64url');
    expect(checkLinkToken(KEY, `${forged}.${signature}`, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    const oneChar = `${payload.slice(0, 5)}${flip(payload.charAt(5))}${payload.slice(6)}`;
    expect(checkLinkToken(KEY, `${oneChar}.${signature}`, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('a changed signature fails, wherever the change is', () => {
    const token = issueLinkToken(KEY, claims);
    for (const position of [token.length - 1, token.length - 20, token.indexOf('.') + 1]) {
      const tampered = `${token.slice(0, position)}${flip(token.charAt(position))}${token.slice(position + 1)}`;
      expect(checkLinkToken(KEY, tampered, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    }
  });

  it('a token signed with another key fails', () => {
    expect(checkLinkToken('another-key', issueLinkToken(KEY, claims), NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(checkLinkToken(KEY, issueLinkToken('another-key', claims), NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('expired at and after expiresAt, with the claims', () => {
    const token = issueLinkToken(KEY, claims);
    expect(checkLinkToken(KEY, token, claims.expiresAt - 1)).toEqual({ ok: true, claims });
    expect(checkLinkToken(KEY, token, claims.expiresAt)).toEqual({ ok: false, reason: 'expired', claims });
    expect(checkLinkToken(KEY, token, claims.expiresAt + 86_400)).toEqual({ ok: false, reason: 'expired', claims });
  });

  it.each([
    ['empty', ''],
    ['garbage', 'garbage'],
    ['no signature', 'eyJyIjoiYWJjIiwiYSI6ImIiLCJ4IjoxfQ'],
    ['a short signature', 'eyJyIjoiYWJjIiwiYSI6ImIiLCJ4IjoxfQ.abc'],
    ['a short payload', 'abc.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['characters outside base64url', 'eyJyIjoiYWJjIiwiYSI6ImIiLCJ4IjoxfQ==.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['three parts', 'eyJyIjoiYWJjIiwiYSI6ImIiLCJ4IjoxfQ.AAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('%s is malformed', (_name, token) => {
    expect(checkLinkToken(KEY, token, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a token with a good signature but a payload that is not JSON is malformed', () => {
    expect(checkLinkToken(KEY, signedToken('this is not json at all, really'), NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it.each([
    ['missing the approver', { r: 'req-00000000000', x: NOW + 60 }],
    ['an expiry that is a string', { r: 'req-00000000000', a: 'bob@example.com', x: String(NOW + 60) }],
    ['a request id that is a number', { r: 42, a: 'bob@example.com', x: NOW + 60 }],
  ])('a signed payload %s is malformed', (_name, payload) => {
    expect(checkLinkToken(KEY, signedToken(JSON.stringify(payload)), NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a signed JSON null is malformed, not a crash', () => {
    expect(checkLinkToken(KEY, signedToken('null                        '), NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('linkTokenHash', () => {
  it('is stable, hex SHA-256, and not the token', () => {
    const token = issueLinkToken(KEY, claims);
    const hash = linkTokenHash(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(linkTokenHash(token)).toBe(hash);
    expect(hash).not.toBe(token);
    expect(token).not.toContain(hash);
  });

  it('differs between tokens, even for the same claims', () => {
    expect(linkTokenHash(issueLinkToken(KEY, claims))).not.toBe(linkTokenHash(issueLinkToken(KEY, claims)));
  });

  it('matches the SHA-256 of the token text', () => {
    expect(linkTokenHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
