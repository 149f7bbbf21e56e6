/**
 * How promptly a grant is noticed and announced, how many status calls it takes, and what it costs,
 * over AWS's spread of timings (not at one convenient point). Two phases, each in its own process
 * (bench/latency-phase.ts), on the local stack with the deployed ASL, handlers and check schedule:
 *
 *   VPC      real time, AWS's timing: each rule becomes visible after a delay drawn from the emulator's
 *            spread (0–2 s, 2% up to 10 s). 3 approvals one at a time (as by hand), then 50, 4 at a time.
 *   classic  AWS's minute drawn from 40–80 s, 5% up to 180 s, on a clock CLASSIC_SCALE× fast; 60, 20 at a
 *            time. Both runs draw stratified: the sample has the spread's exact shape (its tail fraction).
 *            The overhead beyond propagation: from `available` to the look that saw it, plus the real time
 *            from that look to the requester's email. At normal speed, each look comes at its planned time
 *            (AWS time) plus its measured real lateness; read straight off the compressed clock, real
 *            processing between looks would count SCALE× (also printed).
 *
 * The naive design (a fixed 60 s Wait, then a look every 30 s) is computed over the same classic draws.
 * Cost per granted request, at list prices (us-east-1), with the deployed memory (serverless.yml):
 *   transitions × $0.025/1,000 + Lambda GB-s × $0.0000133334 (arm64) + invocations × $0.20/1,000,000
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../local/stack.js';
import type { GrantSample, PhaseResult } from './latency-phase.js';

const TRANSITION_USD = 0.025 / 1000;
const GB_SECOND_USD = 0.0000133334;
const REQUEST_USD = 0.2 / 1_000_000;
/** A loop of the Wait-state design: Check grant status, Grant active?, Wait before next check. */
const TRANSITIONS_PER_LOOP = 3;
/** One look of the naive design, billed generously: a DynamoDB read and write and one describe. */
const NAIVE_LOOK_SECONDS = 0.1;

const GOALS = { overheadP95: 3, statusCalls: 30, costUsd: 0.001, vpcBeyondVisibilityP95: 3, byHandMedian: 5, remindedTransitions: 15 };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT MET');
const usd = (value: number): string => `$${value.toFixed(6)}`;

/** The deployed memory of the check function and of the others (GB). */
function memoryGb(): { check: number; other: number } {
  const serverless = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    provider: { memorySize?: number };
    functions: Record<string, { memorySize?: number }>;
  };
  const fallback = serverless.provider.memorySize ?? 1024;
  return { check: (serverless.functions.checkGrantStatus?.memorySize ?? fallback) / 1024, other: fallback / 1024 };
}

function cost(sample: Pick<GrantSample, 'transitions' | 'checkLambdaSeconds' | 'otherLambdaSeconds' | 'invocations'>, memory: { check: number; other: number }): number {
  return (
    sample.transitions * TRANSITION_USD +
    (sample.checkLambdaSeconds * memory.check + sample.otherLambdaSeconds * memory.other) * GB_SECOND_USD +
    sample.invocations * REQUEST_USD
  );
}

/** The naive design over the same draw: looks at 60, 90, 120 s…, each its own Wait-state loop. */
function naive(sample: GrantSample): GrantSample & { overheadSeconds: number } {
  const looks = 1 + Math.ceil(Math.max(0, sample.propagationSeconds - 60) / 30);
  const seenAt = 60 + 30 * (looks - 1);
  return {
    ...sample,
    overheadSeconds: seenAt - sample.propagationSeconds + (sample.notifySeconds ?? 0),
    statusChecks: looks,
    transitions: sample.baseTransitions + TRANSITIONS_PER_LOOP * looks,
    checkLambdaSeconds: looks * NAIVE_LOOK_SECONDS,
    checkInvocations: looks,
    invocations: sample.invocations - sample.checkInvocations + looks,
  };
}

function runPhase(phase: 'vpc' | 'classic'): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/latency-phase.ts'), phase], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the ${phase} phase exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as PhaseResult);
      } catch (error) {
        reject(error as Error);
      }
    });
  });
}

function line(label: string, value: string, goal?: string, ok?: boolean): void {
  console.log(`  ${label.padEnd(44)} ${value.padEnd(40)}${goal ? ` (goal ${goal}: ${verdict(ok === true)})` : ''}`);
}

function spreadFigures(values: number[]): string {
  return `p50 ${percentile(values, 50).toFixed(2)} s, p95 ${percentile(values, 95).toFixed(2)} s, max ${Math.max(...values).toFixed(2)} s`;
}

function callsAndCost(samples: GrantSample[], memory: { check: number; other: number }): void {
  const checks = samples.map((s) => s.statusChecks);
  const costs = samples.map((s) => cost(s, memory));
  line('status calls per grant', `mean ${mean(checks).toFixed(1)}, max ${Math.max(...checks)}`, `≤ ${GOALS.statusCalls}`, Math.max(...checks) <= GOALS.statusCalls);
  line('state transitions per granted request', `mean ${mean(samples.map((s) => s.transitions)).toFixed(1)}, max ${Math.max(...samples.map((s) => s.transitions))}`);
  line(
    'Lambda GB-s per granted request',
    `check ${mean(samples.map((s) => s.checkLambdaSeconds * memory.check)).toFixed(2)}, others ${mean(samples.map((s) => s.otherLambdaSeconds * memory.other)).toFixed(3)}`,
  );
  line('AWS cost per granted request', `mean ${usd(mean(costs))}, max ${usd(Math.max(...costs))}`, `≤ ${usd(GOALS.costUsd)}`, Math.max(...costs) <= GOALS.costUsd);
}

export async function benchWorkflowLatency(): Promise<void> {
  const memory = memoryGb();
  const vpc = await runPhase('vpc');
  const classic = await runPhase('classic');
  const breakEven = (TRANSITIONS_PER_LOOP * TRANSITION_USD) / (memory.check * GB_SECOND_USD);

  console.log(`workflow latency (deployed memory: ${memory.check * 1024} MB; prices: $0.025 per 1,000 transitions, $0.0000133334 per GB-s arm64, $0.20 per 1M requests)`);
  console.log(`  waiting inside the check function is cheaper than a Wait-state loop (${TRANSITIONS_PER_LOOP} transitions) for gaps below ${breakEven.toFixed(1)} s`);
  line('longest wait inside (GRANT_RECHECK_SECONDS)', '20 s', `< ${breakEven.toFixed(1)} s`, 20 < breakEven);

  const vpcGranted = vpc.samples.filter((s) => s.status === 'ACTIVE');
  const beyond = vpcGranted.map((s) => (s.approvalToGrantedSeconds ?? Number.NaN) - s.propagationSeconds);
  const byHand = vpc.byHandSeconds ?? [];
  console.log(`VPC, real time: ${vpc.samples.length} requests, ${vpc.inFlight} at a time (${vpcGranted.length} ACTIVE), rule visibility drawn from 0–2 s, 2% up to 10 s`);
  line('visibility delay drawn', spreadFigures(vpcGranted.map((s) => s.propagationSeconds)));
  line('approval → granted email', spreadFigures(vpcGranted.map((s) => s.approvalToGrantedSeconds ?? Number.NaN)));
  line('  beyond the visibility delay', spreadFigures(beyond), `p95 ≤ ${GOALS.vpcBeyondVisibilityP95} s`, percentile(beyond, 95) <= GOALS.vpcBeyondVisibilityP95);
  line(`approval → ACTIVE, ${byHand.length} one at a time (median)`, `${percentile(byHand, 50).toFixed(2)} s (each: ${byHand.map((v) => v.toFixed(2)).join(', ')})`, `≤ ${GOALS.byHandMedian} s`, percentile(byHand, 50) <= GOALS.byHandMedian);
  line('DescribeSecurityGroupRules calls per grant', vpc.describeCallsPerGrant.toFixed(1));
  callsAndCost(vpcGranted, memory);
  line('transitions after a reminder and an escalation', `${vpc.remindedAndEscalated.transitions} (${vpc.remindedAndEscalated.status})`, `≤ ${GOALS.remindedTransitions}`, vpc.remindedAndEscalated.transitions <= GOALS.remindedTransitions);

  const classicGranted = classic.samples.filter((s) => s.status === 'ACTIVE');
  console.log(`classic, clock ×${classic.scale}: ${classic.samples.length} requests, ${classic.inFlight} at a time (${classicGranted.length} ACTIVE), propagation drawn from 40–80 s, 5% up to 180 s`);
  line('propagation drawn', spreadFigures(classicGranted.map((s) => s.propagationSeconds)));
  const overhead = classicGranted.map((s) => s.overheadSeconds ?? Number.NaN);
  line('overhead beyond propagation', spreadFigures(overhead), `p95 ≤ ${GOALS.overheadP95} s`, percentile(overhead, 95) <= GOALS.overheadP95);
  line('  of which the look to the email (real)', spreadFigures(classicGranted.map((s) => s.notifySeconds ?? Number.NaN)));
  line('  read off the compressed clock', spreadFigures(classicGranted.map((s) => s.overheadCompressedSeconds ?? Number.NaN)));
  line('DescribeCacheSecurityGroups calls per grant', classic.describeCallsPerGrant.toFixed(1));
  callsAndCost(classicGranted, memory);
  line('transitions after a reminder and an escalation', `${classic.remindedAndEscalated.transitions} (${classic.remindedAndEscalated.status})`, `≤ ${GOALS.remindedTransitions}`, classic.remindedAndEscalated.transitions <= GOALS.remindedTransitions);

  const naiveSamples = classicGranted.map(naive);
  console.log('classic, naive design (Wait 60 s, then a look every 30 s), computed over the same draws');
  const naiveOverhead = naiveSamples.map((s) => s.overheadSeconds);
  line('overhead beyond propagation', spreadFigures(naiveOverhead), `p95 ≤ ${GOALS.overheadP95} s`, percentile(naiveOverhead, 95) <= GOALS.overheadP95);
  callsAndCost(naiveSamples, memory);
}
