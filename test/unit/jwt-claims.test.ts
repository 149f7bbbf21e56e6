import { parseGroupsClaim } from '../../functions/http/caller-groups.js';
import { parseClaimBoolean } from '../../functions/http/jwt-claims.js';
import { deliveredClaims } from '../../local/http-gateway.js';

describe('parseClaimBoolean', () => {
  it('reads only "true" and "false"', () => {
    expect(parseClaimBoolean('true')).toBe(true);
    expect(parseClaimBoolean('false')).toBe(false);
    expect(parseClaimBoolean(undefined)).toBeUndefined();
    expect(parseClaimBoolean('yes')).toBeUndefined();
  });
});

describe('the local gateway delivers claims as API Gateway does', () => {
  it('strings as themselves, numbers and booleans as strings, arrays as "[a b]"', () => {
    expect(
      deliveredClaims({ email: 'alice@example.com', email_verified: false, exp: 1700000000, 'cognito:groups': ['ops', 'dba'], groups: [], nothing: null }),
    ).toEqual({ email: 'alice@example.com', email_verified: 'false', exp: '1700000000', 'cognito:groups': '[ops dba]', groups: '[]' });
  });

  it('a list round-trips through the groups parser', () => {
    const delivered = deliveredClaims({ groups: ['platform-oncall', 'dba'] });
    expect(parseGroupsClaim(delivered.groups)).toEqual(['platform-oncall', 'dba']);
  });
});

describe('LocalAuthorizer.verify hands the route what API Gateway would', () => {
  it('a signed token with a groups list, a boolean and numbers', async () => {
    const { LocalAuthorizer } = await import('../../local/http-gateway.js');
    const authorizer = await LocalAuthorizer.withNewKey('https://issuer.example', 'cachegate');
    const token = await authorizer.issue('alice@example.com', { claims: { groups: ['platform', 'dba'], 'custom:level': 3 } });
    const claims = await authorizer.verify(`Bearer ${token}`);
    expect(claims).toMatchObject({ email: 'alice@example.com', email_verified: 'true', groups: '[platform dba]', 'custom:level': '3', sub: 'alice@example.com' });
    expect(claims?.exp).toMatch(/^\d+$/);
    expect(Object.values(claims ?? {}).every((value) => typeof value === 'string')).toBe(true);
  });
});
