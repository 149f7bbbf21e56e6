/**
 * README, "How it works" (4): gaps of up to 20 s are waited inside the check function, and one invocation
 * looks for up to 45 s, below its 60 s timeout; a longer gap goes back to the free Wait state. Held against
 * what serverless.yml deploys (the function's timeout, and no GRANT_* override of the defaults).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { grantConfig } from '../../functions/config.js';

const deployed = parse(readFileSync(join(__dirname, '../../serverless.yml'), 'utf8'), { logLevel: 'silent', merge: true }) as {
  functions: Record<string, { timeout?: number; environment?: Record<string, unknown> }>;
};

it('the check function waits at most 20 s between looks, and looks for 45 s of its 60 s timeout', () => {
  const check = deployed.functions.checkGrantStatus;
  expect(check?.timeout).toBe(60);
  expect(Object.keys(check?.environment ?? {}).filter((name) => name.startsWith('GRANT_'))).toEqual([]);
  const { pollWindowMs, recheckSeconds } = grantConfig.parse({});
  expect(recheckSeconds).toBe(20);
  expect(pollWindowMs).toBe(45_000);
  expect(pollWindowMs).toBeLessThan((check?.timeout ?? 0) * 1000);
});
