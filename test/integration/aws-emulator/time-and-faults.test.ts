/**
 * Time and fault injection: authorization states under a ManualClock (never a sleep), the ScaledClock,
 * and each fault mode seen through the real SDK, including its retries of throttling.
 */
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  AuthorizeCacheSecurityGroupIngressCommand,
  CreateCacheSecurityGroupCommand,
  DescribeCacheSecurityGroupsCommand,
  RevokeCacheSecurityGroupIngressCommand,
} from '@aws-sdk/client-elasticache';
import { DescribeSecurityGroupRulesCommand } from '@aws-sdk/client-ec2';
import type { AwsEmulator, EmulatorCall } from '../../../local/aws-emulator/index.js';
import { DEMO_SEED_PATH, emulatorClients, ManualClock, ScaledClock, startAwsEmulator } from '../../../local/aws-emulator/index.js';

const OWNER = '987654321021';
const clock = new ManualClock();
let emu: AwsEmulator;
let client: ElastiCacheClient;
let groupCounter = 0;

beforeAll(async () => {
  emu = await startAwsEmulator({ seed: DEMO_SEED_PATH, clock });
  client = emulatorClients(emu, { maxAttempts: 1 }).elasticache;
});

afterEach(() => emu.faults.reset());

afterAll(async () => {
  client.destroy();
  await emu.close();
});

/** A fresh cache security group per test, so tests do not see each other's authorizations. */
async function freshGroup(): Promise<string> {
  const name = `time-${++groupCounter}`;
  await client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: name, Description: 'x' }));
  return name;
}

const ingress = { EC2SecurityGroupName: 'myec2group', EC2SecurityGroupOwnerId: OWNER };

async function statuses(name: string): Promise<Array<string | undefined>> {
  const out = await client.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: name }));
  return (out.CacheSecurityGroups?.[0]?.EC2SecurityGroups ?? []).map((entry) => entry.Status);
}

describe('authorization states over time', () => {
  test('authorizing → available after the propagation delay; revoking → gone after it again', async () => {
    const name = await freshGroup();
    await client.send(new AuthorizeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: name, ...ingress }));
    expect(await statuses(name)).toEqual(['authorizing']);
    clock.advance(59_999);
    expect(await statuses(name)).toEqual(['authorizing']);
    clock.advance(1);
    expect(await statuses(name)).toEqual(['available']);

    await client.send(new RevokeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: name, ...ingress }));
    expect(await statuses(name)).toEqual(['revoking']);
    clock.advance(59_999);
    expect(await statuses(name)).toEqual(['revoking']);
    clock.advance(1);
    expect(await statuses(name)).toEqual([]);
    expect(emu.inspect().cacheSecurityGroups.find((group) => group.name === name)?.authorizations).toEqual([]);

    // Once gone, it can be granted again.
    await client.send(new AuthorizeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: name, ...ingress }));
    expect(await statuses(name)).toEqual(['authorizing']);
  });

  test('a zero delay makes the next read available (the Authorize answer itself still says authorizing)', async () => {
    const instant = await startAwsEmulator({ seed: DEMO_SEED_PATH, clock: new ManualClock(), propagationDelayMs: 0 });
    const { elasticache } = emulatorClients(instant, { maxAttempts: 1 });
    try {
      const out = await elasticache.send(new AuthorizeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: 'default', ...ingress }));
      expect(out.CacheSecurityGroup?.EC2SecurityGroups?.[0]?.Status).toBe('authorizing');
      const described = await elasticache.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: 'default' }));
      expect(described.CacheSecurityGroups?.[0]?.EC2SecurityGroups?.[0]?.Status).toBe('available');
    } finally {
      elasticache.destroy();
      await instant.close();
    }
  });

  test('seeded statuses start where the seed says', async () => {
    const seeded = await startAwsEmulator({
      clock: new ManualClock(),
      seed: {
        cacheSecurityGroups: [
          {
            name: 'seeded',
            description: 'x',
            authorizations: [
              { ec2SecurityGroupName: 'a', ec2SecurityGroupOwnerId: '111122223333', status: 'available' },
              { ec2SecurityGroupName: 'b', ec2SecurityGroupOwnerId: '111122223333', status: 'authorizing' },
              { ec2SecurityGroupName: 'c', ec2SecurityGroupOwnerId: '111122223333', status: 'revoking' },
            ],
          },
        ],
      },
    });
    try {
      expect(seeded.inspect().cacheSecurityGroups.find((group) => group.name === 'seeded')?.authorizations.map((auth) => auth.status)).toEqual([
        'available',
        'authorizing',
        'revoking',
      ]);
    } finally {
      await seeded.close();
    }
  });

  test('ScaledClock runs real time faster by its factor', () => {
    let real = 1_000_000;
    const scaled = new ScaledClock(60, () => real);
    const start = scaled.now();
    real += 1_000;
    expect(scaled.now() - start).toBe(60_000);
    expect(() => new ScaledClock(0)).toThrow(RangeError);
  });
});

describe('faults', () => {
  test('throttlingRate 0.5 throttles every other call; the SDK retries and succeeds', async () => {
    const { elasticache } = emulatorClients(emu, { maxAttempts: 3 });
    try {
      emu.faults.set({ throttlingRate: 0.5 });
      const before = emu.callCount('DescribeCacheSecurityGroups');
      const out = await elasticache.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: 'default' }));
      expect(out.$metadata.attempts).toBe(2);
      expect(emu.callCount('DescribeCacheSecurityGroups') - before).toBe(2);
    } finally {
      elasticache.destroy();
    }
  });

  test('throttlingRate 1 surfaces Throttling (400, "Rate exceeded") once the SDK has used its attempts', async () => {
    const { elasticache } = emulatorClients(emu, { maxAttempts: 3 });
    try {
      emu.faults.set({ throttlingRate: 1 });
      const before = emu.callCount('DescribeCacheSecurityGroups');
      await expect(elasticache.send(new DescribeCacheSecurityGroupsCommand({}))).rejects.toMatchObject({
        name: 'Throttling',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400, attempts: 3 },
      });
      expect(emu.callCount('DescribeCacheSecurityGroups') - before).toBe(3);
    } finally {
      elasticache.destroy();
    }
  });

  test('EC2 calls are throttled with RequestLimitExceeded, which the SDK retries too', async () => {
    const { ec2 } = emulatorClients(emu, { maxAttempts: 2 });
    try {
      emu.faults.set({ throttlingRate: 1 });
      await expect(ec2.send(new DescribeSecurityGroupRulesCommand({}))).rejects.toMatchObject({
        name: 'RequestLimitExceeded',
        $metadata: { httpStatusCode: 503, attempts: 2 },
      });
      emu.faults.set({ throttlingRate: 0.5 });
      const out = await ec2.send(new DescribeSecurityGroupRulesCommand({}));
      expect(out.$metadata.attempts).toBe(2);
    } finally {
      ec2.destroy();
    }
  });

  test('neverAvailable keeps new authorizations authorizing however long one waits, and can be switched off', async () => {
    const stuck = await freshGroup();
    emu.faults.set({ neverAvailable: true });
    await client.send(new AuthorizeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: stuck, ...ingress }));
    clock.advance(24 * 3600_000);
    expect(await statuses(stuck)).toEqual(['authorizing']);

    emu.faults.set({ neverAvailable: false });
    const fine = await freshGroup();
    await client.send(new AuthorizeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: fine, ...ingress }));
    clock.advance(60_000);
    expect(await statuses(fine)).toEqual(['available']);
    expect(await statuses(stuck)).toEqual(['authorizing']);
  });

  test('failOperation answers a fixed error for that operation only, and `times` limits it', async () => {
    emu.faults.set({ failOperation: { DescribeCacheSecurityGroups: { code: 'AccessDenied', status: 403, message: 'not allowed', times: 1 } } });
    await expect(client.send(new DescribeCacheSecurityGroupsCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'not allowed',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(client.send(new DescribeCacheSecurityGroupsCommand({}))).resolves.toBeDefined();

    emu.faults.set({ failOperation: { AuthorizeCacheSecurityGroupIngress: { code: 'InvalidParameterValue', message: 'Use of cache security groups is not permitted in this API version for your account.' } } });
    const name = await freshGroup();
    for (let i = 0; i < 2; i++) {
      await expect(client.send(new AuthorizeCacheSecurityGroupIngressCommand({ CacheSecurityGroupName: name, ...ingress }))).rejects.toMatchObject({
        name: 'InvalidParameterValueException',
        $metadata: { httpStatusCode: 400 },
      });
    }
    expect(await statuses(name)).toEqual([]);
  });

  test('failOperation on EC2 gives EC2 errors such as UnauthorizedOperation', async () => {
    const { ec2 } = emulatorClients(emu, { maxAttempts: 1 });
    try {
      emu.faults.set({ failOperation: { DescribeSecurityGroupRules: { code: 'UnauthorizedOperation', status: 403, message: 'You are not authorized to perform this operation.' } } });
      await expect(ec2.send(new DescribeSecurityGroupRulesCommand({}))).rejects.toMatchObject({ name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
    } finally {
      ec2.destroy();
    }
  });

  test('latencyMs delays every answer by at least that long', async () => {
    emu.faults.set({ latencyMs: 60 });
    const started = performance.now();
    await client.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: 'default' }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  test('requestRate throttles each action like AWS’s token buckets, in each service’s shape, refilled on the emulator clock', async () => {
    const bucketClock = new ManualClock();
    const limited = await startAwsEmulator({ seed: DEMO_SEED_PATH, clock: bucketClock, faults: { requestRate: { capacity: 2, refillPerSecond: 1 } } });
    const { elasticache, ec2 } = emulatorClients(limited, { maxAttempts: 1 });
    try {
      const describeCache = () => elasticache.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: 'default' }));
      const describeRules = () => ec2.send(new DescribeSecurityGroupRulesCommand({}));
      await describeCache();
      await describeCache();
      await expect(describeCache()).rejects.toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
      // Each action has its own bucket; EC2 answers with its own code.
      await describeRules();
      await describeRules();
      await expect(describeRules()).rejects.toMatchObject({ name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } });
      bucketClock.advance(999);
      await expect(describeRules()).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
      bucketClock.advance(1);
      await describeRules();
      await expect(describeRules()).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
      // The SDK retries throttling (three attempts here, no refill between them) and then reports it.
      const { ec2: retrying } = emulatorClients(limited, { maxAttempts: 3 });
      try {
        bucketClock.advance(1_000);
        await describeRules();
        await expect(retrying.send(new DescribeSecurityGroupRulesCommand({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded', $metadata: { attempts: 3 } });
      } finally {
        retrying.destroy();
      }
      expect(() => limited.faults.set({ requestRate: { capacity: 0, refillPerSecond: 1 } })).toThrow(RangeError);
      limited.faults.set({ requestRate: undefined });
      await describeRules();
    } finally {
      elasticache.destroy();
      ec2.destroy();
      await limited.close();
    }
  });

  test('onCall reports each answer: service, action, parameters as sent, emulator time, status and error code', async () => {
    const callClock = new ManualClock(Date.UTC(2026, 10, 29, 1, 0, 0));
    const calls: EmulatorCall[] = [];
    const observed = await startAwsEmulator({ seed: DEMO_SEED_PATH, clock: callClock, onCall: (call) => calls.push(call) });
    const { elasticache, ec2 } = emulatorClients(observed, { maxAttempts: 1 });
    try {
      await elasticache.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: 'default' }));
      callClock.advance(1_000);
      await expect(ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: ['sgr-0000000000000ffff'] }))).rejects.toMatchObject({ name: 'InvalidSecurityGroupRuleId.NotFound' });
      expect(calls).toEqual([
        { service: 'elasticache', action: 'DescribeCacheSecurityGroups', params: expect.objectContaining({ CacheSecurityGroupName: 'default' }), at: Date.UTC(2026, 10, 29, 1, 0, 0), status: 200 },
        {
          service: 'ec2',
          action: 'DescribeSecurityGroupRules',
          params: expect.objectContaining({ 'SecurityGroupRuleId.1': 'sgr-0000000000000ffff' }),
          at: Date.UTC(2026, 10, 29, 1, 0, 1),
          status: 400,
          code: 'InvalidSecurityGroupRuleId.NotFound',
        },
      ]);
    } finally {
      elasticache.destroy();
      ec2.destroy();
      await observed.close();
    }
  });

  test('faults can be set at start and are reported in the snapshot', async () => {
    const faulty = await startAwsEmulator({ faults: { throttlingRate: 1, latencyMs: 0 } });
    const { elasticache } = emulatorClients(faulty, { maxAttempts: 1 });
    try {
      expect(faulty.inspect().faults).toEqual({ throttlingRate: 1, latencyMs: 0 });
      await expect(elasticache.send(new DescribeCacheSecurityGroupsCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
      expect(() => faulty.faults.set({ throttlingRate: 2 })).toThrow(RangeError);
    } finally {
      elasticache.destroy();
      await faulty.close();
    }
  });
});
