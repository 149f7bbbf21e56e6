import { signSlackRequest, verifySlackSignature } from '../../functions/domain/slack-signature.js';

// Slack's documented example (docs/slack-facts.md, "Verifying requests").
const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const timestamp = '1531420618';
const rawBody =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const now = Number(timestamp) + 10;

const check = (overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
  verifySlackSignature({ secret, timestamp, signature, rawBody, nowSeconds: now, ...overrides });

describe('signSlackRequest', () => {
  it('reproduces Slack’s documented signature', () => {
    expect(signSlackRequest(secret, timestamp, rawBody)).toBe(signature);
    expect(signSlackRequest(secret, Number(timestamp), rawBody)).toBe(signature);
  });
});

describe('verifySlackSignature', () => {
  it('accepts the documented request', () => {
    expect(check()).toEqual({ ok: true });
  });

  it('rejects a body changed by one character', () => {
    expect(check({ rawBody: rawBody.replace('user_id=U2CERLKJA', 'user_id=U2CERLKJB') })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a signature made with another secret', () => {
    expect(check({ signature: signSlackRequest('another-secret', timestamp, rawBody) })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects malformed or truncated signatures without throwing', () => {
    expect(check({ signature: 'v0=abc' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check({ signature: signature.toUpperCase() })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check({ signature: `${signature}00` })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a signature over another timestamp even when the clock is fine', () => {
    const otherTs = String(Number(timestamp) + 1);
    expect(check({ timestamp: otherTs })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('accepts up to 300 s of skew either way and rejects beyond (replay and future timestamps)', () => {
    expect(check({ nowSeconds: Number(timestamp) + 300 })).toEqual({ ok: true });
    expect(check({ nowSeconds: Number(timestamp) - 300 })).toEqual({ ok: true });
    expect(check({ nowSeconds: Number(timestamp) + 301 })).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(check({ nowSeconds: Number(timestamp) - 301 })).toEqual({ ok: false, reason: 'stale-timestamp' });
  });

  it('rejects a timestamp that is not a number', () => {
    expect(check({ timestamp: '1531420618abc' })).toEqual({ ok: false, reason: 'stale-timestamp' });
  });

  it('reports missing headers', () => {
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing-headers' });
    expect(check({ timestamp: undefined })).toEqual({ ok: false, reason: 'missing-headers' });
    expect(check({ timestamp: '', signature: '' })).toEqual({ ok: false, reason: 'missing-headers' });
  });
});
