/**
 * The reconciler's cost at scale: 500 ACTIVE requests, each with its grant record and its tagged rule,
 * spread over the two demo managed groups (250 rules each; the emulator's per-group limit raised to hold
 * them). The state is written straight into the store and the emulator (granting 500 requests through the
 * workflow would measure the workflow, not the reconciler). Three runs, each through POST /dev/reconcile:
 *   1. nothing drifted, no throttling: time, AWS calls, store writes;
 *   2. nothing drifted, half of all AWS calls throttled (the emulator's throttlingRate 0.5): the backoff;
 *   3. 5% of the rules removed by hand: the writes are the first sightings only.
 * Goals: one describe per managed group per run (full 1,000-rule pages), no write when nothing drifted,
 * a run of 500 within 10 s on the local stack, and every throttled describe eventually answered.
 */
import { randomUUID } from 'node:crypto';
import { AuthorizeSecurityGroupIngressCommand, EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { DEMO_MANAGED_GROUPS, ROOT, startLocalStack } from '../local/stack.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const REQUESTS = 500;
const PAGE_SIZE = 1000;
const GOAL_SECONDS = 10;

type Summary = { checked: number; ended: number; orphansRevoked: number; errors: number };

const verdict = (met: boolean): string => (met ? 'met' : 'NOT MET');

export async function benchReconciler(): Promise<void> {
  const groups = Object.entries(DEMO_MANAGED_GROUPS) as [string, string][];
  const seed = JSON.parse(readFileSync(join(ROOT, 'local/aws-emulator/seed.json'), 'utf8')) as { securityGroups: Record<string, unknown>[] };
  const sources = Array.from({ length: REQUESTS }, (_, n) => `sg-0be0${String(n).padStart(13, '0')}`);
  seed.securityGroups.push(...sources.map((groupId, n) => ({ groupId, groupName: `bench-${n}`, vpcId: 'vpc-0de70000000000001', description: 'bench source' })));
  const stack = await startLocalStack({ logLevel: 'silent', emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0, rulesPerGroupLimit: PAGE_SIZE, seed: seed as never } });
  const { requestStore } = await import('../functions/adapters/request-store.js');
  const { targetKey } = await import('../functions/domain/access-request.js');
  const ec2 = new EC2Client({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  try {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + 3_600_000).toISOString();
    const ruleIds: { groupId: string; ruleId: string }[] = [];
    for (let n = 0; n < REQUESTS; n++) {
      const [cluster, groupId] = groups[n % groups.length] as [string, string];
      const id = randomUUID();
      const target = { mode: 'vpc' as const, cacheClusterId: cluster, sourceSecurityGroupId: sources[n] as string };
      const resolved = { summary: `${groupId} port 6379 on ${cluster}`, managedGroupId: groupId, port: 6379 };
      const granted = await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, UserIdGroupPairs: [{ GroupId: target.sourceSecurityGroupId }] }],
          TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: 'cachegate-request', Value: id }] }],
        }),
      );
      const ruleId = granted.SecurityGroupRules?.[0]?.SecurityGroupRuleId as string;
      ruleIds.push({ groupId, ruleId });
      await requestStore.create({
        id,
        requester: `dev${n}@example.com`,
        target,
        policyKey: cluster,
        resolved,
        reason: 'bench',
        status: 'ACTIVE',
        version: 1,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        approvers: ['bob@example.com'],
        escalationApprovers: [],
        approvalsRequired: 1,
        approvalDeadline: now.toISOString(),
        reminderAt: now.toISOString(),
        escalateAt: now.toISOString(),
        remindersSent: 0,
        escalated: false,
        approvals: {},
        decidedBy: ['bob@example.com'],
        grant: { created: true, ruleId, startedAt: now.toISOString() },
        durationMinutes: 60,
        limits: { maxDurationMinutes: 480, expiryWarningMinutes: 10, maxExtensions: 3 },
        activeSince: now.toISOString(),
        expiresAt,
        extensions: [],
        history: [],
      });
      await requestStore.putGrantRecord({ key: targetKey(target), target, resolved, holders: [id], createdBy: id, ruleId, state: 'active', ends: { [id]: expiresAt } }, 0, now);
    }

    const awsCalls = (): number => stack.emulator.callCount();
    const run = async (label: string): Promise<{ summary: Summary; seconds: number; calls: { DescribeSecurityGroupRules: number; RevokeSecurityGroupIngress: number; all: number } }> => {
      const before = { describe: stack.emulator.callCount('DescribeSecurityGroupRules'), revoke: stack.emulator.callCount('RevokeSecurityGroupIngress'), all: awsCalls() };
      const started = performance.now();
      const reply = await fetch(`${stack.url}/dev/reconcile`, { method: 'POST' });
      const seconds = (performance.now() - started) / 1000;
      const summary = (await reply.json()) as Summary;
      const calls = {
        DescribeSecurityGroupRules: stack.emulator.callCount('DescribeSecurityGroupRules') - before.describe,
        RevokeSecurityGroupIngress: stack.emulator.callCount('RevokeSecurityGroupIngress') - before.revoke,
        all: awsCalls() - before.all,
      };
      console.log(`  ${label}: ${seconds.toFixed(2)} s, summary ${JSON.stringify(summary)}, AWS calls ${JSON.stringify(calls)}`);
      return { summary, seconds, calls };
    };

    const requestVersions = async (): Promise<number> => (await requestStore.allInStatus('ACTIVE')).reduce((sum, r) => sum + r.version, 0);
    const recordVersions = async (): Promise<number> => (await requestStore.grantRecords()).reduce((sum, r) => sum + r.version, 0);

    console.log(`Reconciler: ${REQUESTS} ACTIVE requests over ${groups.length} managed groups (${REQUESTS / groups.length} rules each), DescribeSecurityGroupRules page size ${PAGE_SIZE}`);
    const [requestsBefore, recordsBefore] = [await requestVersions(), await recordVersions()];
    const calm = await run('no drift, throttling rate 0');
    const storeWrites = (await requestVersions()) - requestsBefore + ((await recordVersions()) - recordsBefore);

    stack.emulator.faults.set({ throttlingRate: 0.5 });
    const throttled = await run('no drift, throttling rate 0.5 (every other AWS call answers RequestLimitExceeded; SDK retries, then backoff)');
    stack.emulator.faults.reset();

    const removed = ruleIds.filter((_, n) => n % 20 === 0);
    for (const { groupId, ruleId } of removed) await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [ruleId] }));
    const requestsBeforeDrift = await requestVersions();
    const drift = await run(`${removed.length} rules removed by hand (first sightings)`);
    const driftWrites = (await requestVersions()) - requestsBeforeDrift;

    console.log(`  time for ${REQUESTS}: ${calm.seconds.toFixed(2)} s (goal ≤ ${GOAL_SECONDS} s: ${verdict(calm.seconds <= GOAL_SECONDS)})`);
    console.log(`  describes per run: ${calm.calls.DescribeSecurityGroupRules} for ${groups.length} managed groups (goal ${groups.length}: ${verdict(calm.calls.DescribeSecurityGroupRules === groups.length)})`);
    console.log(`  AWS calls per run, all kinds: ${calm.calls.all} (goal ≤ ${groups.length}: ${verdict(calm.calls.all <= groups.length)})`);
    console.log(`  store writes with nothing drifted: ${storeWrites} (goal 0: ${verdict(storeWrites === 0)})`);
    console.log(
      `  throttled at rate 0.5: ${throttled.calls.all} AWS calls for ${groups.length} describes, ${throttled.summary.errors} errors, ${throttled.seconds.toFixed(2)} s (goal: 0 errors: ${verdict(throttled.summary.errors === 0)})`,
    );
    console.log(`  drift: ${removed.length} rules gone → ${driftWrites} request writes (first sightings; goal ${removed.length}: ${verdict(driftWrites === removed.length)}), ${drift.summary.ended} ended (goal 0 on a first sighting: ${verdict(drift.summary.ended === 0)})`);
  } finally {
    ec2.destroy();
    await stack.stop();
  }
}

