/**
 * README, "Configure": the defaults of the settings whose default the README names and no other test
 * holds: GROUPS_CLAIM (`groups`) and POLICY_MINUTE_MS (60,000, unset in AWS); and GET /requests' page size
 * (API table: `limit` default 20, at most 100).
 */
import { policyClockConfig, requesterGroupsConfig } from '../../functions/config.js';
import { ConfigError } from '../../functions/errors.js';
import { parseListQuery } from '../../functions/domain/list-query.js';

describe('GROUPS_CLAIM', () => {
  it('is `groups` unless set (Cognito: cognito:groups)', () => {
    expect(requesterGroupsConfig.parse({})).toEqual({ claim: 'groups' });
    expect(requesterGroupsConfig.parse({ GROUPS_CLAIM: 'cognito:groups' })).toEqual({ claim: 'cognito:groups' });
  });
});

describe('POLICY_MINUTE_MS', () => {
  it('is a real minute unless set; --fast’s 3000 is taken; nonsense is refused, naming it', () => {
    expect(policyClockConfig.parse({})).toEqual({ minuteMs: 60_000 });
    expect(policyClockConfig.parse({ POLICY_MINUTE_MS: '3000' })).toEqual({ minuteMs: 3000 });
    expect(() => policyClockConfig.parse({ POLICY_MINUTE_MS: '0' })).toThrow(ConfigError);
    expect(() => policyClockConfig.parse({ POLICY_MINUTE_MS: 'fast' })).toThrow(/POLICY_MINUTE_MS/);
  });
});

describe('GET /requests?limit', () => {
  it('is 20 when not given, and at most 100', () => {
    expect(parseListQuery({}).limit).toBe(20);
    expect(parseListQuery({ limit: '100' }).limit).toBe(100);
    expect(() => parseListQuery({ limit: '101' })).toThrow();
  });
});
