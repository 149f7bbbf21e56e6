import { parseClaimBoolean, parseClaimList } from '../../functions/http/jwt-claims.js';
import { deliveredClaims } from '../../local/http-gateway.js';

describe('parseClaimList: list claims as API Gateway delivers them', () => {
  it.each([
    ['[ops dba]', ['ops', 'dba']],
    ['[ops]', ['ops']],
    ['[]', []],
    ['[11111111-aaaa 22222222-bbbb 33333333-cccc]', ['11111111-aaaa', '22222222-bbbb', '33333333-cccc']],
    ['ops', ['ops']],
    ['  [ a  b ]  ', ['a', 'b']],
  ])('%j → %j', (delivered, expected) => {
    expect(parseClaimList(delivered)).toEqual(expected);
  });

  it('an absent claim is no list', () => {
    expect(parseClaimList(undefined)).toEqual([]);
  });
});

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

  it('round-trips through parseClaimList', () => {
    const delivered = deliveredClaims({ groups: ['platform-oncall', 'dba'] });
    expect(parseClaimList(delivered.groups)).toEqual(['platform-oncall', 'dba']);
  });
});

describe('LocalAuthorizer.verify hands the route what API Gateway would', () => {
  it('a signed token with a groups list, a boolean and numbers', async () => {
    const { LocalAuthorizer } = await import('../../local/http-gateway.js');
    const authorizer = new LocalAuthorizer();
    const token = await authorizer.issue('alice@example.com', { claims: { groups: ['platform', 'dba'], 'custom:level': 3 } });
    const claims = await authorizer.verify(`Bearer ${token}`);
    expect(claims).toMatchObject({ email: 'alice@example.com', email_verified: 'true', groups: '[platform dba]', 'custom:level': '3', sub: 'alice@example.com' });
    expect(claims?.exp).toMatch(/^\d+$/);
    expect(Object.values(claims ?? {}).every((value) => typeof value === 'string')).toBe(true);
  });
});
