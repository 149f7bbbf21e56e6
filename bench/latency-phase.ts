/**
 * One phase of the workflow-latency bench, run in its own process (bench/workflow-latency.ts starts it
 * with `vpc` or `classic`): handlers read their configuration once per process, and each phase needs its
 * own. It drives the local stack over HTTP as people do, and prints one JSON document of raw per-request
 * measurements on stdout; bench/workflow-latency.ts turns them into figures, costs and goals.
 *
 *   vpc      AWS's timing, real time (the default `npm start` stack): EC2 rules become visible after a delay
 *            drawn from the emulator's spread (0–2 s, 2% up to 10 s); the deployed check schedule. Three
 *            requests one at a time, as by hand, then 50, four at a time.
 *   classic  AWS's minute drawn from 40–80 s (5% up to 180 s), on a clock running SCALE× fast, with the
 *            deployed check schedule scaled the same way; 60 requests, 20 at a time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateCacheSecurityGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { parse } from 'yaml';
import { checkSchedule, checkTimes } from '../functions/domain/check-schedule.js';
import { CLASSIC_PROPAGATION_SPREAD, EC2_VISIBILITY_SPREAD, type EmulatorCall, ScaledClock } from '../local/aws-emulator/index.js';
import { ROOT, startLocalStack, type LocalStack } from '../local/stack.js';

export const CLASSIC_SCALE = 5;
const VPC_REQUESTS = 50;
const CLASSIC_REQUESTS = 60;
const BY_HAND = 3;
/**
 * Requests in flight at once. The whole local stack shares one event loop on a 2-core machine, where AWS
 * runs each Lambda apart: a burst of 40 would measure our queueing, not the schedule. VPC requests are
 * short and busy; classic ones mostly wait, so more of them can overlap.
 */
const VPC_IN_FLIGHT = 4;
const CLASSIC_IN_FLIGHT = 20;

/** Runs `count` tasks, at most `width` at a time, and returns their results in order. */
async function inPool<T>(width: number, count: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

/** What one granted request cost and how long it took (times in seconds of AWS time). */
export interface GrantSample {
  status: string;
  /** classic: propagation drawn for it; VPC: the rule's visibility delay drawn for it. */
  propagationSeconds: number;
  /** vpc (real time): approval POST → the requester's "Access granted" email. */
  approvalToGrantedSeconds?: number;
  /**
   * classic: from the moment AWS shows `available` to that email, at normal speed: the looks at their
   * planned times (AWS time) plus each one's measured real lateness, then the real time to the email.
   */
  overheadSeconds?: number;
  /** classic: the same, read off the compressed clock (real processing between looks counts SCALE×). */
  overheadCompressedSeconds?: number;
  /** classic: from the look that saw it to the email (real processing, unscaled). */
  notifySeconds?: number;
  statusChecks: number;
  transitions: number;
  /** Transitions outside the status checks (Check grant status / Grant active? / Wait before next check). */
  baseTransitions: number;
  /** Billed Lambda time, by function kind: the check function's, and all others' (seconds). */
  checkLambdaSeconds: number;
  otherLambdaSeconds: number;
  /** Lambda invocations: the check function's, and all (the two HTTP calls included). */
  checkInvocations: number;
  invocations: number;
}

export interface PhaseResult {
  phase: 'vpc' | 'classic';
  scale: number;
  /** Requests in flight at once. */
  inFlight: number;
  spread: unknown;
  samples: GrantSample[];
  /** vpc: approval → ACTIVE of requests approved one at a time, as by hand. */
  byHandSeconds?: number[];
  /** Describe calls the emulator answered during the concurrent run, per granted request. */
  describeCallsPerGrant: number;
  /** Transitions of one request granted after one reminder and one escalation. */
  remindedAndEscalated: { transitions: number; status: string };
}

const CHECK_STATES = new Set(['Check grant status', 'Grant active?', 'Wait before next check']);
/** Where a granted request's figures end: access then holds until it ends, outside this bench. */
const GRANTED_STATE = 'Notify granted';

/** The ASL's Task states, and which of them are callbacks (their time in state is mostly a person's). */
function taskStates(): { tasks: Set<string>; callbacks: Set<string> } {
  const asl = parse(readFileSync(join(ROOT, 'statemachines/access-request.asl.yaml'), 'utf8')) as { States: Record<string, { Type: string; Resource?: unknown }> };
  const tasks = new Set<string>();
  const callbacks = new Set<string>();
  for (const [name, state] of Object.entries(asl.States)) {
    if (state.Type !== 'Task') continue;
    tasks.add(name);
    if (typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken')) callbacks.add(name);
  }
  return { tasks, callbacks };
}

class Recorder {
  readonly entered = new Map<string, Array<{ state: string; at: number }>>();
  readonly describes = new Map<string, Array<{ at: number; real: number }>>();
  readonly authorized = new Map<string, number>();

  onState = (change: { execution: { name: string }; state: string; kind: string }): void => {
    if (change.kind !== 'entered') return;
    const list = this.entered.get(change.execution.name) ?? [];
    list.push({ state: change.state, at: performance.now() });
    this.entered.set(change.execution.name, list);
  };

  onCall = (call: EmulatorCall): void => {
    if (call.status !== 200) return;
    if (call.action === 'DescribeCacheSecurityGroups' && call.params.CacheSecurityGroupName) {
      const list = this.describes.get(call.params.CacheSecurityGroupName) ?? [];
      list.push({ at: call.at, real: performance.now() });
      this.describes.set(call.params.CacheSecurityGroupName, list);
    }
    if (call.action === 'AuthorizeSecurityGroupIngress' && call.params['TagSpecification.1.Tag.1.Value']) {
      this.authorized.set(call.params['TagSpecification.1.Tag.1.Value'], call.at);
    }
  };
}

interface Flow {
  stack: LocalStack;
  recorder: Recorder;
  scale: number;
  tasks: { tasks: Set<string>; callbacks: Set<string> };
}

async function submit(flow: Flow, requester: string, body: object): Promise<{ id: string; token: string; httpSeconds: number }> {
  const token = await flow.stack.authorizer.issue(requester);
  const started = performance.now();
  const reply = await fetch(`${flow.stack.url}/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const { id } = (await reply.json()) as { id: string };
  if (reply.status !== 202) throw new Error(`submit answered ${reply.status}`);
  return { id, token, httpSeconds: (performance.now() - started) / 1000 };
}

async function approve(flow: Flow, id: string, approver = 'bob@example.com', subject = /^Approval needed/): Promise<{ approvedAt: number; httpSeconds: number; askSeconds: number }> {
  const ask = await flow.stack.outbox.waitFor((m) => m.to.includes(approver) && subject.test(m.subject ?? '') && m.text.includes(id), 30_000);
  // The callback Lambda's own time: from entering the state until its message is out.
  const enteredWait = flow.recorder.entered.get(id)?.find((e) => e.state === 'Wait for approval')?.at ?? Number.NaN;
  const askSeconds = (performance.now() - enteredWait) / 1000;
  const link = ask.links.find((l) => l.includes('/approvals/')) as string;
  const approvedAt = performance.now();
  const reply = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' });
  await reply.text();
  return { approvedAt, httpSeconds: (performance.now() - approvedAt) / 1000, askSeconds };
}

/**
 * Waits for the requester's "Access granted" email, and for the workflow to move past "Notify granted"
 * (it then holds the access until it ends, which this bench does not wait for). Returns the email's time
 * and when "Notify granted" ended.
 */
async function granted(flow: Flow, id: string, requester: string): Promise<{ at: number; endedAt: number }> {
  await flow.stack.outbox.waitFor((m) => m.to.includes(requester) && /^Access granted/.test(m.subject ?? '') && m.text.includes(id), 240_000);
  const at = performance.now();
  for (;;) {
    const entered = flow.recorder.entered.get(id) ?? [];
    const notified = entered.findIndex((e) => e.state === GRANTED_STATE);
    const after = notified >= 0 ? entered[notified + 1] : undefined;
    if (after) return { at, endedAt: after.at };
    await sleep(20);
  }
}

/** The states of one execution up to and including "Notify granted": what a granted request took. */
function untilGranted<T extends string | { state: string }>(states: readonly T[]): T[] {
  const end = states.findIndex((s) => (typeof s === 'string' ? s : s.state) === GRANTED_STATE);
  return end < 0 ? [...states] : states.slice(0, end + 1);
}

/** Billed Lambda seconds of one execution's tasks, from the times each state was entered (AWS time). */
function lambdaSeconds(flow: Flow, id: string, endedAt: number, askSeconds: number): { check: number; other: number; checkInvocations: number; invocations: number } {
  const entered = untilGranted(flow.recorder.entered.get(id) ?? []);
  let check = 0;
  let other = 0;
  let checkInvocations = 0;
  let invocations = 0;
  entered.forEach((entry, i) => {
    if (!flow.tasks.tasks.has(entry.state)) return;
    invocations++;
    // A callback task's Lambda only stores the token and sends messages; the rest of its time is a person's.
    if (flow.tasks.callbacks.has(entry.state)) {
      other += askSeconds;
      return;
    }
    const seconds = ((entered[i + 1]?.at ?? endedAt) - entry.at) / 1000;
    // The check function waits between looks on the compressed schedule: scale its time back up to AWS's.
    if (entry.state === 'Check grant status') {
      check += seconds * flow.scale;
      checkInvocations++;
    } else other += seconds;
  });
  return { check, other, checkInvocations, invocations };
}

interface RequestView {
  status: string;
  grantStatusChecks?: number;
  history: Array<{ at: string; event: string }>;
}

async function requestStatus(flow: Flow, id: string, token: string): Promise<RequestView> {
  const reply = await fetch(`${flow.stack.url}/requests/${id}`, { headers: { authorization: `Bearer ${token}` } });
  return (await reply.json()) as RequestView;
}

type Extra = (request: RequestView & { id: string }, approvedAt: number, grantedAt: number) => Partial<GrantSample> & { propagationSeconds: number };

async function sample(flow: Flow, requester: string, body: object, extra: Extra): Promise<GrantSample> {
  const { id, token, httpSeconds } = await submit(flow, requester, body);
  const approval = await approve(flow, id);
  const { at, endedAt } = await granted(flow, id, requester);
  const request = await requestStatus(flow, id, token);
  const states = untilGranted(flow.stack.stepFunctions.execution(id)?.statesEntered ?? []);
  const lambda = lambdaSeconds(flow, id, endedAt, approval.askSeconds);
  return {
    status: request.status,
    statusChecks: request.grantStatusChecks ?? 0,
    transitions: states.length,
    baseTransitions: states.filter((state) => !CHECK_STATES.has(state)).length,
    checkLambdaSeconds: lambda.check,
    otherLambdaSeconds: lambda.other + httpSeconds + approval.httpSeconds,
    checkInvocations: lambda.checkInvocations,
    invocations: lambda.invocations + 2,
    ...extra({ ...request, id }, approval.approvedAt, at),
  };
}

/** A request granted after one reminder and one escalation: its execution's transitions. */
async function remindedAndEscalated(flow: Flow, body: object): Promise<{ transitions: number; status: string }> {
  const requester = 'p2@example.com';
  const { id, token } = await submit(flow, requester, body);
  await approve(flow, id, 'carol@example.com', /^Escalated/);
  await granted(flow, id, requester);
  const { status } = await requestStatus(flow, id, token);
  return { transitions: untilGranted(flow.stack.stepFunctions.execution(id)?.statesEntered ?? []).length, status };
}

/** The policy: one approver; `p2` targets remind after 1 s and escalate to carol after 2 s. */
function policy(p2Target: string): object {
  return {
    default: { approvers: ['bob@example.com'], approvalsRequired: 1 },
    targets: { [p2Target]: { approvers: ['bob@example.com'], reminderAfterMinutes: 1 / 60, escalateAfterMinutes: 2 / 60, escalationApprovers: ['carol@example.com'] } },
  };
}

function sourceGroup(index: number): string {
  return `sg-0b${index.toString(16).padStart(15, '0')}`;
}

async function vpcPhase(): Promise<PhaseResult> {
  const recorder = new Recorder();
  const stack = await startLocalStack({
    logLevel: 'error',
    policy: policy('sessions-mc'),
    onStateChange: recorder.onState,
    // The emulator's defaults are AWS's timing; only the group's rule quota is raised, for 40 grants at once.
    emulator: { onCall: recorder.onCall, rulesPerGroupLimit: 200 },
  });
  const flow: Flow = { stack, recorder, scale: 1, tasks: taskStates() };
  const vpcBody = (index: number) => ({ replicationGroupId: 'orders-cache', sourceSecurityGroupId: sourceGroup(index), sourceSecurityGroupOwnerId: '210987654321', reason: 'bench' });
  const visibility = (id: string): number => {
    const rule = stack.emulator.state.rules.find((r) => r.tags.some((t) => t.key === 'cachegate-request' && t.value === id));
    const madeAt = recorder.authorized.get(id);
    return rule && madeAt !== undefined ? (rule.visibleAt - madeAt) / 1000 : Number.NaN;
  };
  try {
    const real: Extra = ({ id }, approvedAt, grantedAt) => ({ propagationSeconds: visibility(id), approvalToGrantedSeconds: (grantedAt - approvedAt) / 1000 });
    const byHand: number[] = [];
    for (let i = 0; i < BY_HAND; i++) {
      byHand.push((await sample(flow, `hand${i}@example.com`, vpcBody(1000 + i), real)).approvalToGrantedSeconds ?? Number.NaN);
    }
    // The measured run draws stratified: 50 requests get the spread's exact shape (one in its 2% tail).
    stack.emulator.state.settings.ec2PropagationDelayMs = { ...EC2_VISIBILITY_SPREAD, strata: VPC_REQUESTS };
    const before = stack.emulator.callCount('DescribeSecurityGroupRules');
    const samples = await inPool(VPC_IN_FLIGHT, VPC_REQUESTS, (i) => sample(flow, `dev${i}@example.com`, vpcBody(i), real));
    const describeCallsPerGrant = (stack.emulator.callCount('DescribeSecurityGroupRules') - before) / VPC_REQUESTS;
    const p2 = await remindedAndEscalated(flow, { cacheClusterId: 'sessions-mc', sourceSecurityGroupId: sourceGroup(2000), sourceSecurityGroupOwnerId: '210987654321', reason: 'bench' });
    return { phase: 'vpc', scale: 1, inFlight: VPC_IN_FLIGHT, spread: EC2_VISIBILITY_SPREAD, samples, byHandSeconds: byHand, describeCallsPerGrant, remindedAndEscalated: p2 };
  } finally {
    await stack.stop();
  }
}

async function classicPhase(): Promise<PhaseResult> {
  const recorder = new Recorder();
  const s = CLASSIC_SCALE;
  const tuning = { firstCheckSeconds: 40 / s, pollIntervalMs: 2000 / s, pollWindowMs: 45000 / s, recheckSeconds: 20 / s, verifyTimeoutSeconds: 300 / s };
  const planned = checkTimes(checkSchedule('classic', tuning), tuning.verifyTimeoutSeconds);
  /**
   * When the look that sees `available` would come at normal speed (emulator ms): each look at its planned
   * time plus its own real lateness (how late the compressed run made it, divided by the scale).
   */
  const normalSpeedSeenAt = (request: RequestView & { id: string }, looks: Array<{ at: number; real: number }>, availableAt: number): number => {
    const grantRequested = request.history.find((event) => event.event === 'grant requested')?.at;
    if (!grantRequested) throw new Error(`request ${request.id} has no grant time`);
    const clock = stack.emulator.clock;
    const startedAt = clock.now() - (Date.now() - Date.parse(grantRequested)) * s;
    const plannedAt = planned.map((seconds) => startedAt + seconds * 1000 * s);
    const lateness = looks.map((look) => (look.at - (plannedAt.filter((at) => at <= look.at).at(-1) ?? look.at)) / s).sort((a, b) => a - b);
    const typical = lateness[Math.floor(lateness.length / 2)] ?? 0;
    return (plannedAt.find((at) => at + typical >= availableAt) ?? Number.NaN) + typical;
  };
  const stack = await startLocalStack({
    logLevel: 'error',
    policy: policy('p2-classic'),
    onStateChange: recorder.onState,
    // AWS's quota of 50 cache security groups is raised: one group per request keeps their timings apart.
    // Stratified draws: the 60 requests get the spread's exact shape (3 in its 5% tail).
    emulator: { clock: new ScaledClock(s), propagationDelayMs: { ...CLASSIC_PROPAGATION_SPREAD, strata: CLASSIC_REQUESTS }, onCall: recorder.onCall, cacheSecurityGroupQuota: 100 },
    // The deployed schedule (functions/config.ts defaults), scaled like the clock.
    grant: tuning,
  });
  const flow: Flow = { stack, recorder, scale: s, tasks: taskStates() };
  const elasticache = new ElastiCacheClient({ endpoint: stack.emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const classicBody = (group: string) => ({ cacheSecurityGroupName: group, ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'bench' });
  try {
    const before = stack.emulator.callCount('DescribeCacheSecurityGroups');
    const samples = await inPool(CLASSIC_IN_FLIGHT, CLASSIC_REQUESTS, async (i) => {
        const group = `bench-${i}`;
        await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: group, Description: 'bench' }));
        return sample(flow, `dev${i}@example.com`, classicBody(group), (request, _approvedAt, grantedAt) => {
          const auth = stack.emulator.state.cacheSecurityGroups.get(group)?.authorizations[0];
          if (!auth) throw new Error(`no authorization on ${group}`);
          const availableAt = auth.authorizedAt + auth.delayMs;
          const looks = recorder.describes.get(group) ?? [];
          // The first look at or after `available`, on the emulator's clock (AWS time) and in real time.
          const seen = looks.find((d) => d.at >= availableAt);
          if (!seen) throw new Error(`no look saw ${group} available`);
          const notifySeconds = (grantedAt - seen.real) / 1000;
          return {
            propagationSeconds: auth.delayMs / 1000,
            overheadSeconds: (normalSpeedSeenAt(request, looks, availableAt) - availableAt) / 1000 + notifySeconds,
            overheadCompressedSeconds: (seen.at - availableAt) / 1000 + notifySeconds,
            notifySeconds,
          };
        });
      });
    const describeCallsPerGrant = (stack.emulator.callCount('DescribeCacheSecurityGroups') - before) / CLASSIC_REQUESTS;
    await elasticache.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: 'p2-classic', Description: 'bench' }));
    const p2 = await remindedAndEscalated(flow, classicBody('p2-classic'));
    return { phase: 'classic', scale: s, inFlight: CLASSIC_IN_FLIGHT, spread: CLASSIC_PROPAGATION_SPREAD, samples, describeCallsPerGrant, remindedAndEscalated: p2 };
  } finally {
    elasticache.destroy();
    await stack.stop();
  }
}

const phase = process.argv[2];
if (phase === 'vpc' || phase === 'classic') {
  const result = await (phase === 'vpc' ? vpcPhase() : classicPhase());
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
