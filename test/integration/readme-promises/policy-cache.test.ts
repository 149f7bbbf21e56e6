/**
 * README, "The approval policy" → "Where it lives": the functions read the policy from its SSM parameter at
 * cold start with their secrets, cached 15 minutes, so a policy change is a parameter update that takes
 * effect within 15 minutes, with no rebuild. Driven through the middleware the functions use, against a
 * stand-in for SSM on loopback; the clock is moved, never waited for.
 */
import { secretsMiddleware } from '../../../functions/secrets-middleware.js';
import { awsStandIn, type AwsStandIn, type Received } from '../../support/aws-stand-in.js';

const PARAMETER = '/cachegate/test/approval-policy';
let policy = '{"default":{"approvers":["bob@example.com"]}}';
let ssm: AwsStandIn;
const saved = { ...process.env };

beforeAll(async () => {
  ssm = await awsStandIn(
    (request: Received) => ({ Parameters: (JSON.parse(request.body) as { Names: string[] }).Names.map((Name) => ({ Name, Type: 'String', Value: policy, Version: 1 })), InvalidParameters: [] }),
    'application/x-amz-json-1.1',
  );
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'ASIAPOLICYCACHE',
    AWS_SECRET_ACCESS_KEY: 'policy-cache-key',
    AWS_SESSION_TOKEN: 'policy-cache-session',
    AWS_REGION: 'eu-west-1',
    SSM_ENDPOINT: ssm.url,
    SECRETS_SOURCE: 'ssm',
    SLACK_MODE: 'off',
    APPROVAL_POLICY_PARAMETER: PARAMETER,
  });
});

afterAll(async () => {
  jest.restoreAllMocks();
  process.env = saved;
  await ssm.close();
});

it('a changed policy is read again once 15 minutes have passed since the last read, not before', async () => {
  const start = Date.now();
  const now = jest.spyOn(Date, 'now').mockReturnValue(start);
  const middleware = secretsMiddleware(['approvalPolicy']);
  const invoke = async (): Promise<unknown> => {
    const request = { context: {} as Record<string, unknown> };
    await middleware.before?.(request as never);
    return request.context.approvalPolicy;
  };
  const first = policy;
  expect(await invoke()).toBe(first);
  expect(ssm.received).toHaveLength(1);

  policy = '{"default":{"approvers":["carol@example.com"]}}';
  now.mockReturnValue(start + 15 * 60_000 - 1);
  expect(await invoke()).toBe(first);
  expect(ssm.received).toHaveLength(1);

  now.mockReturnValue(start + 15 * 60_000);
  expect(await invoke()).toBe(policy);
  expect(ssm.received).toHaveLength(2);
  expect(JSON.parse(ssm.received[1]?.body ?? '')).toMatchObject({ Names: [PARAMETER] });
});
