/**
 * How promptly a grant is noticed and announced. AWS says a change takes about a minute: the emulator
 * makes authorizations `available` 60 s (emulated) after the call, on a clock running SCALE× faster,
 * and the workflow's Wait states and polling are scaled the same way. Per granted request:
 *   - latency: approval POST → the requester's "granted" email, minus the 60 s propagation (emulated s)
 *   - status checks made, and state transitions (states entered) in the execution
 * Goals (issue 4): p95 latency ≤ 3 s, ≤ 8 status checks, ≤ 15 transitions.
 */
import { CreateCacheSecurityGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ScaledClock } from '../local/aws-emulator/clock.js';
import { startLocalStack } from '../local/stack.js';

const SCALE = 4;
const REQUESTS = 12;
const PROPAGATION_S = 60;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export async function benchWorkflowLatency(): Promise<void> {
  const stack = await startLocalStack({
    logLevel: 'error',
    emulator: { clock: new ScaledClock(SCALE), propagationDelayMs: PROPAGATION_S * 1000 },
    // The deployed schedule (functions/config.ts defaults), scaled.
    grant: { pollIntervalMs: 3000 / SCALE, pollWindowMs: 21000 / SCALE, verifyTimeoutSeconds: 300 },
    waitOverridesMs: { 'Wait for propagation': (45 * 1000) / SCALE, 'Wait before next check': (10 * 1000) / SCALE },
  });
  const elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  try {
    const runs = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, index) => {
        const group = `bench-${index}`;
        await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: group, Description: 'bench' }));
        const requester = `dev${index}@example.com`;
        const token = await stack.authorizer.issue(requester);
        const submitted = await fetch(`${stack.url}/requests`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ cacheSecurityGroupName: group, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'bench' }),
        });
        const { id } = (await submitted.json()) as { id: string };
        const ask = await stack.outbox.waitFor((m) => m.to.includes('bob@example.com') && m.links.some((l) => l.includes('/approvals/')) && m.text.includes(id), 10_000);
        const link = ask.links.find((l) => l.includes('/approvals/')) as string;
        const approvedAt = performance.now();
        await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' });
        await stack.outbox.waitFor((m) => m.to.includes(requester) && /granted/i.test(m.subject ?? '') && m.text.includes(id), 120_000);
        const elapsedEmulatedS = ((performance.now() - approvedAt) / 1000) * SCALE;
        const request = (await (await fetch(`${stack.url}/requests/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string; grantStatusChecks?: number };
        return {
          status: request.status,
          latencyS: elapsedEmulatedS - PROPAGATION_S,
          checks: request.grantStatusChecks ?? NaN,
          transitions: stack.stepFunctions.execution(id)?.statesEntered.length ?? NaN,
        };
      }),
    );
    const latencies = runs.map((r) => r.latencyS);
    console.log(`workflow latency (${REQUESTS} granted requests, propagation ${PROPAGATION_S} s, clock ×${SCALE})`);
    console.log(`  statuses                       ${[...new Set(runs.map((r) => r.status))].join(', ')}`);
    console.log(`  approval → granted email − propagation: p50 ${percentile(latencies, 50).toFixed(2)} s, p95 ${percentile(latencies, 95).toFixed(2)} s, max ${Math.max(...latencies).toFixed(2)} s   (goal p95 ≤ 3 s)`);
    console.log(`  status checks per grant        max ${Math.max(...runs.map((r) => r.checks))}, mean ${(runs.reduce((a, r) => a + r.checks, 0) / runs.length).toFixed(1)}   (goal ≤ 8)`);
    console.log(`  state transitions per request  max ${Math.max(...runs.map((r) => r.transitions))}   (goal ≤ 15)`);
    console.log(`  (emulated seconds include real overhead ×${SCALE}: a conservative figure)`);
  } finally {
    elasticache.destroy();
    await stack.stop();
  }
}
