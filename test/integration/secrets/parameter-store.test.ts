/**
 * Secrets from SSM Parameter Store, as deployed (SECRETS_SOURCE=ssm): the signed GetParameters call of
 * functions/adapters/parameter-store.ts against a stand-in for SSM on loopback, checked against what
 * @aws-sdk/client-ssm sends for the same call and against SigV4 computed here from its definition; then the
 * middleware's cold-start read, its cache, and its failures.
 */
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { getSecureParameters } from '../../../functions/adapters/parameter-store.js';
import { secretsMiddleware } from '../../../functions/secrets-middleware.js';
import { awsStandIn, sigV4Valid, type AwsStandIn, type Received } from '../../support/aws-stand-in.js';

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'ASIASECRETSTEST', AWS_SECRET_ACCESS_KEY: 'secrets-test-key', AWS_SESSION_TOKEN: 'secrets-test-session' };
const STORED: Record<string, string> = { '/cachegate/test/link-signing-key': 'k3y', '/cachegate/test/slack-bot-token': 'xoxb-1' };

let ssm: AwsStandIn;
let received: Received[];
let queued: AwsStandIn['queued'];
let endpoint: string;
const saved = { ...process.env };

/** SSM's answer from STORED. */
function getParameters(request: Received): unknown {
  const names = (JSON.parse(request.body) as { Names: string[] }).Names;
  return {
    Parameters: names.filter((name) => STORED[name] !== undefined).map((Name) => ({ Name, Type: 'SecureString', Value: STORED[Name], Version: 1 })),
    InvalidParameters: names.filter((name) => STORED[name] === undefined),
  };
}

beforeAll(async () => {
  ssm = await awsStandIn(getParameters, 'application/x-amz-json-1.1');
  ({ received, queued, url: endpoint } = ssm);
  Object.assign(process.env, {
    ...CREDENTIALS,
    AWS_REGION: 'eu-west-1',
    SSM_ENDPOINT: endpoint,
    SECRETS_SOURCE: 'ssm',
    SLACK_MODE: 'off',
    LINK_SIGNING_KEY_PARAMETER: '/cachegate/test/link-signing-key',
  });
});
afterAll(async () => {
  process.env = saved;
  await ssm.close();
});
beforeEach(() => {
  received.length = 0;
  queued.length = 0;
});

describe('getSecureParameters', () => {
  it('sends the request @aws-sdk/client-ssm sends for GetParameters, validly signed with the environment credentials', async () => {
    const names = ['/cachegate/test/link-signing-key', '/cachegate/test/slack-bot-token'];
    await expect(getSecureParameters(names)).resolves.toEqual({ '/cachegate/test/link-signing-key': 'k3y', '/cachegate/test/slack-bot-token': 'xoxb-1' });
    const client = new SSMClient({ region: 'eu-west-1', endpoint, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY, sessionToken: CREDENTIALS.AWS_SESSION_TOKEN } });
    await client.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
    client.destroy();

    const [ours, sdk] = received as [Received, Received];
    for (const request of [sdk, ours]) expect(sigV4Valid(request, CREDENTIALS.AWS_SECRET_ACCESS_KEY)).toBe(true);
    expect(sigV4Valid({ ...ours, body: ours.body.replace('true', 'false') }, CREDENTIALS.AWS_SECRET_ACCESS_KEY)).toBe(false);
    expect({ method: ours.method, url: ours.url }).toEqual({ method: sdk.method, url: sdk.url });
    for (const header of ['content-type', 'x-amz-target', 'x-amz-security-token', 'host']) expect([header, ours.headers[header]]).toEqual([header, sdk.headers[header]]);
    expect(JSON.parse(ours.body)).toEqual(JSON.parse(sdk.body));
    const scope = (request: Received) => /Credential=([^,]+),/.exec(String(request.headers.authorization))?.[1];
    expect(scope(ours)).toEqual(scope(sdk));
    expect(scope(ours)).toMatch(/^ASIASECRETSTEST\/\d{8}\/eu-west-1\/ssm\/aws4_request$/);
  });

  it('names a parameter SSM does not have', async () => {
    await expect(getSecureParameters(['/cachegate/test/link-signing-key', '/cachegate/test/missing'])).rejects.toMatchObject({
      name: 'ConfigError',
      message: 'SSM parameter /cachegate/test/missing does not exist',
    });
  });

  it('asks for at most 10 names per call', async () => {
    const names = Array.from({ length: 12 }, (_, i) => (i === 0 ? '/cachegate/test/link-signing-key' : `/cachegate/test/n${i}`));
    STORED['/cachegate/test/n11'] = 'eleven';
    for (let i = 1; i < 11; i++) STORED[`/cachegate/test/n${i}`] = `v${i}`;
    const values = await getSecureParameters(names);
    expect(Object.keys(values)).toHaveLength(12);
    expect(received.map((request) => (JSON.parse(request.body) as { Names: string[] }).Names.length)).toEqual([10, 2]);
  });

  it('retries throttling and server errors, not a refusal; errors keep SSM codes as names', async () => {
    queued.push({ status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } }, { status: 500, body: { __type: 'InternalServerError', message: 'oops' } });
    await expect(getSecureParameters(['/cachegate/test/link-signing-key'])).resolves.toEqual({ '/cachegate/test/link-signing-key': 'k3y' });
    expect(received).toHaveLength(3);

    received.length = 0;
    queued.push({ status: 400, body: { __type: 'com.amazonaws.ssm#AccessDeniedException', Message: 'not authorized to perform ssm:GetParameters' } });
    await expect(getSecureParameters(['/cachegate/test/link-signing-key'])).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: 'SSM GetParameters: AccessDeniedException: not authorized to perform ssm:GetParameters',
    });
    expect(received).toHaveLength(1);
  });
});

describe('secretsMiddleware (SECRETS_SOURCE=ssm)', () => {
  it('starts reading at cold start, puts the secrets on the context, and reads once for many invocations', async () => {
    const arrived = ssm.nextRequest();
    const middleware = secretsMiddleware(['linkSigningKey', 'slackBotToken']);
    // Before any invocation: the read overlaps the rest of the cold start.
    await arrived;
    const first = { context: {} as Record<string, unknown> };
    const second = { context: {} as Record<string, unknown> };
    await middleware.before?.(first as never);
    await middleware.before?.(second as never);
    // Slack is off: its bot token is not read (no parameter need exist for it).
    expect(first.context).toEqual({ linkSigningKey: 'k3y' });
    expect(second.context).toEqual({ linkSigningKey: 'k3y' });
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({ Names: ['/cachegate/test/link-signing-key'], WithDecryption: true });
  });

  it('keeps no failure: the invocation that meets it fails, the next one reads again', async () => {
    queued.push(...Array.from({ length: 3 }, () => ({ status: 503, body: { __type: 'ServiceUnavailable', message: 'try later' } })));
    const middleware = secretsMiddleware(['linkSigningKey']);
    await expect(middleware.before?.({ context: {} } as never)).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    const next = { context: {} as Record<string, unknown> };
    await middleware.before?.(next as never);
    expect(next.context).toEqual({ linkSigningKey: 'k3y' });
    expect(received).toHaveLength(4);
  });
});
