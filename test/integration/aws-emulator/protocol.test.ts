/**
 * The wire itself, spoken with plain fetch: envelopes compared with fixtures derived from the models
 * (test/fixtures/aws), routing by Version, order-free parameters, protocol-level errors, headers,
 * escaping, the inspection endpoint and seed validation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { AwsEmulator } from '../../../local/aws-emulator/index.js';
import { DEMO_SEED_PATH, loadSeedFile, ManualClock, startAwsEmulator, validateSeed } from '../../../local/aws-emulator/index.js';

const FIXTURES = join(process.cwd(), 'test/fixtures/aws');
const OWNER = '987654321021';
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });

let emu: AwsEmulator;

beforeAll(async () => {
  emu = await startAwsEmulator({ seed: DEMO_SEED_PATH, clock: new ManualClock() });
});

afterAll(async () => {
  await emu.close();
});

async function post(body: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${emu.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

/**
 * Every element path (and attribute) of a document, e.g. `A/B/C` and `A/@xmlns`; repeated list items
 * collapse into one path, text values are ignored. Two documents of the same shape have the same set.
 */
function structure(xml: string): string[] {
  const paths = new Set<string>();
  const walk = (node: unknown, path: string): void => {
    paths.add(path);
    if (Array.isArray(node)) {
      node.forEach((item) => walk(item, path));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '#text') continue;
      if (key.startsWith('@')) paths.add(`${path}/${key}=${String(value)}`);
      else walk(value, `${path}/${key}`);
    }
  };
  const parsed = parser.parse(xml) as Record<string, unknown>;
  for (const [root, value] of Object.entries(parsed)) if (root !== '?xml') walk(value, root);
  return [...paths].sort();
}

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

describe('conformance with the model-derived fixtures', () => {
  test('DescribeCacheSecurityGroups (a page with a Marker)', async () => {
    for (let i = 0; i < 20; i++) {
      await post(form({ Action: 'CreateCacheSecurityGroup', Version: '2015-02-02', CacheSecurityGroupName: `conf-${i}`, Description: 'x' }));
    }
    const res = await post(form({ Action: 'DescribeCacheSecurityGroups', Version: '2015-02-02', MaxRecords: '20' }));
    expect(res.status).toBe(200);
    expect(structure(res.text)).toEqual(structure(fixture('elasticache-describe-cache-security-groups.xml')));
  });

  test('AuthorizeCacheSecurityGroupIngress', async () => {
    await post(form({ Action: 'CreateCacheSecurityGroup', Version: '2015-02-02', CacheSecurityGroupName: 'app-cache', Description: 'cache for app' }));
    const res = await post(form({ Action: 'AuthorizeCacheSecurityGroupIngress', Version: '2015-02-02', CacheSecurityGroupName: 'app-cache', EC2SecurityGroupName: 'myec2group', EC2SecurityGroupOwnerId: OWNER }));
    expect(res.status).toBe(200);
    expect(structure(res.text)).toEqual(structure(fixture('elasticache-authorize-cache-security-group-ingress.xml')));
  });

  test('DeleteCacheSecurityGroup (no Result element)', async () => {
    await post(form({ Action: 'CreateCacheSecurityGroup', Version: '2015-02-02', CacheSecurityGroupName: 'to-delete', Description: 'x' }));
    const res = await post(form({ Action: 'DeleteCacheSecurityGroup', Version: '2015-02-02', CacheSecurityGroupName: 'to-delete' }));
    expect(res.status).toBe(200);
    expect(structure(res.text)).toEqual(structure(fixture('elasticache-delete-cache-security-group.xml')));
  });

  test('the ElastiCache error envelope', async () => {
    const res = await post(form({ Action: 'AuthorizeCacheSecurityGroupIngress', Version: '2015-02-02', CacheSecurityGroupName: 'app-cache', EC2SecurityGroupName: 'myec2group', EC2SecurityGroupOwnerId: OWNER }));
    expect(res.status).toBe(400);
    expect(structure(res.text)).toEqual(structure(fixture('elasticache-error.xml')));
    const parsed = parser.parse(res.text) as { ErrorResponse: { Error: { Type: string; Code: string }; RequestId: string } };
    expect(parsed.ErrorResponse.Error).toMatchObject({ Type: 'Sender', Code: 'AuthorizationAlreadyExists' });
    expect(parsed.ErrorResponse.RequestId).toBe(res.headers.get('x-amzn-requestid'));
  });

  test('EC2 AuthorizeSecurityGroupIngress', async () => {
    const res = await post(
      form({
        Action: 'AuthorizeSecurityGroupIngress',
        Version: '2016-11-15',
        GroupId: 'sg-0cac4e9a7e0000001',
        'IpPermissions.1.IpProtocol': 'tcp',
        'IpPermissions.1.FromPort': '6379',
        'IpPermissions.1.ToPort': '6379',
        'IpPermissions.1.Groups.1.GroupId': 'sg-0a99000000000001',
        'IpPermissions.1.Groups.1.Description': 'cachegate grant req-42',
        'TagSpecification.1.ResourceType': 'security-group-rule',
        'TagSpecification.1.Tag.1.Key': 'cachegate-request',
        'TagSpecification.1.Tag.1.Value': 'req-42',
      }),
    );
    expect(res.status).toBe(200);
    expect(structure(res.text)).toEqual(structure(fixture('ec2-authorize-security-group-ingress.xml')));
  });

  test('the EC2 error envelope (RequestID, no namespace)', async () => {
    const res = await post(
      form({
        Action: 'AuthorizeSecurityGroupIngress',
        Version: '2016-11-15',
        GroupId: 'sg-0cac4e9a7e0000001',
        'IpPermissions.1.IpProtocol': 'tcp',
        'IpPermissions.1.FromPort': '6379',
        'IpPermissions.1.ToPort': '6379',
        'IpPermissions.1.Groups.1.GroupId': 'sg-0a99000000000001',
      }),
    );
    expect(res.status).toBe(400);
    expect(structure(res.text)).toEqual(structure(fixture('ec2-error.xml')));
  });

  test('the comparison notices a wrong element name', () => {
    const broken = fixture('elasticache-error.xml').replace(/RequestId/g, 'RequestID');
    expect(structure(broken)).not.toEqual(structure(fixture('elasticache-error.xml')));
  });
});

describe('routing and protocol errors', () => {
  test('parameter order does not matter (Action and Version last, as older clients sent them)', async () => {
    const res = await post('CacheSecurityGroupName=default&Version=2015-02-02&Action=DescribeCacheSecurityGroups');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<DescribeCacheSecurityGroupsResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">');
    expect(res.headers.get('content-type')).toBe('text/xml');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.text).toContain(`<RequestId>${res.headers.get('x-amzn-requestid')}</RequestId>`);
  });

  test('an unknown action is InvalidAction (400) in each service’s envelope', async () => {
    const ec = await post(form({ Action: 'CreateCacheCluster', Version: '2015-02-02' }));
    expect(ec.status).toBe(400);
    expect(ec.text).toContain('<Code>InvalidAction</Code>');
    expect(ec.text).toContain('<ErrorResponse');
    const ec2 = await post(form({ Action: 'RunInstances', Version: '2016-11-15' }));
    expect(ec2.status).toBe(400);
    expect(ec2.text).toMatch(/<Response>\s*<Errors>\s*<Error>\s*<Code>InvalidAction<\/Code>/);
  });

  test('no Action, no Version or an unknown Version are 400s, never a crash', async () => {
    expect((await post(form({ Version: '2015-02-02' }))).text).toContain('<Code>MissingAction</Code>');
    expect((await post(form({ Action: 'DescribeCacheSecurityGroups' }))).text).toContain('<Code>MissingParameter</Code>');
    const unknown = await post(form({ Action: 'DescribeCacheSecurityGroups', Version: '2014-09-30' }));
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('<Code>NoSuchVersion</Code>');
    const garbage = await post('%%%&&&==');
    expect(garbage.status).toBe(400);
  });

  test('a missing EC2 parameter is MissingParameter; every reply to bad input is a 4xx', async () => {
    const res = await post(form({ Action: 'RevokeSecurityGroupIngress', Version: '2016-11-15' }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>MissingParameter</Code>');
    for (const body of [
      form({ Action: 'AuthorizeSecurityGroupIngress', Version: '2016-11-15', GroupId: 'sg-0cac4e9a7e0000001', 'IpPermissions.1.IpProtocol': 'tcp' }),
      form({ Action: 'AuthorizeSecurityGroupIngress', Version: '2016-11-15', GroupId: 'sg-0cac4e9a7e0000001', 'IpPermissions.1.FromPort': 'x' }),
      form({ Action: 'DescribeSecurityGroupRules', Version: '2016-11-15', 'Filter.1.Value.1': 'x' }),
      form({ Action: 'DescribeCacheClusters', Version: '2015-02-02', ShowCacheNodeInfo: 'yes' }),
      form({ Action: 'DescribeCacheClusters', Version: '2015-02-02', MaxRecords: 'lots' }),
      form({ Action: 'DescribeSecurityGroupRules', Version: '2016-11-15', NextToken: 'garbage' }),
    ]) {
      const bad = await post(body);
      expect(bad.status).toBe(400);
    }
  });

  test('text is escaped: markup and control characters in a description come back intact or replaced, never raw', async () => {
    const description = 'a < b & c > "d" \'e\' \u0007';
    const res = await post(form({ Action: 'CreateCacheSecurityGroup', Version: '2015-02-02', CacheSecurityGroupName: 'escaping', Description: description }));
    expect(res.status).toBe(200);
    const parsed = parser.parse(res.text) as { CreateCacheSecurityGroupResponse: { CreateCacheSecurityGroupResult: { CacheSecurityGroup: { Description: string } } } };
    expect(parsed.CreateCacheSecurityGroupResponse.CreateCacheSecurityGroupResult.CacheSecurityGroup.Description).toBe('a < b & c > "d" \'e\' \uFFFD');
  });

  test('GET /_emulator/state returns the snapshot; other paths are 404', async () => {
    const res = await fetch(`${emu.url}/_emulator/state`);
    expect(res.status).toBe(200);
    const state = (await res.json()) as ReturnType<AwsEmulator['inspect']>;
    expect(state.ownerId).toBe(OWNER);
    expect(state.calls.CreateCacheSecurityGroup).toBe(emu.callCount('CreateCacheSecurityGroup'));
    expect(state.replicationGroups.map((group) => group.replicationGroupId)).toEqual(['orders-cache']);
    expect(state.cacheSecurityGroups.find((group) => group.name === 'app-cache')?.authorizations).toEqual([
      { ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: OWNER, status: 'authorizing' },
    ]);
    expect((await fetch(`${emu.url}/elsewhere`)).status).toBe(404);
  });
});

describe('seeds', () => {
  test('the demo seed describes the local stack', () => {
    const seed = loadSeedFile(DEMO_SEED_PATH);
    expect(seed.ownerId).toBe(OWNER);
    expect(seed.replicationGroups).toEqual([expect.objectContaining({ replicationGroupId: 'orders-cache', memberClusters: ['orders-cache-001', 'orders-cache-002'], port: 6379 })]);
    expect(seed.cacheClusters?.find((cluster) => cluster.cacheClusterId === 'sessions-mc')).toMatchObject({ engine: 'memcached', port: 11211 });
    expect(seed.securityGroups?.find((group) => group.groupName === 'myec2group')?.vpcId).toBeUndefined();
  });

  test('a bad seed fails with the path of the bad field', () => {
    expect(() => validateSeed({ ownerId: '42' })).toThrow(/seed\.ownerId/);
    expect(() => validateSeed({ securityGroups: [{ groupId: 'sg-nothex!', groupName: 'x' }] })).toThrow(/securityGroups\[0\]\.groupId/);
    expect(() =>
      validateSeed({ replicationGroups: [{ replicationGroupId: 'rg', memberClusters: ['missing'], port: 6379 }] }),
    ).toThrow(/member "missing" is not in cacheClusters/);
  });
});
