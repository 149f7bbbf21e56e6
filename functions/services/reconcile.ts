/**
 * The reconciler: compares AWS with the records, and repairs what drifted. It reads what should be in AWS
 * from the store (grant records, and the requests that hold them), describes AWS once per scope (a
 * managed VPC group, a cache security group: full pages), and writes only where the two disagree:
 *   - an ACTIVE request whose grant is gone (two absent sightings a minute apart): REVOKING, endReason
 *     removed-outside; its workflow is woken to verify and end it, or, if the execution is over, ended here;
 *   - an ACTIVE request past its end whose execution is over (Hold failed): ended here;
 *   - a request stuck in REVOKING (its revoke failed, its execution over): the revoke retried;
 *   - holders whose request no longer holds: removed from the grant record;
 *   - a grant no request holds (an orphan, or a revoke never finished): claimed by a conditional write on
 *     its grant record, revoked, then (once AWS shows it gone) its record removed;
 *   - a rule slot reserved by a request that is final (a crash before its release) or was never stored
 *     (a crash during its submission): released.
 * Grant records changed in the last few minutes belong to a workflow under way and are left alone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { reconcileConfig } from '../config.js';
import { targetKey } from '../domain/access-request.js';
import { grantScope, grantsTarget, type ObservedGrant } from '../domain/grant-driver.js';
import { HOLDING_STATUSES, type GrantRecord } from '../domain/grant-record.js';
import { absenceVerdict, isQuiet, type ReconcileSettings, type ReconcileSummary } from '../domain/reconcile-rules.js';
import type { AccessRequestRecord } from '../domain/request-lifecycle.js';
import { isFinal } from '../domain/request-statuses.js';
import { reservations } from '../domain/rule-slots.js';
import { GrantThrottled } from '../errors.js';
import { grantDriverFor } from '../adapters/grant-drivers.js';
import { countMetric, secondsMetric } from '../adapters/metrics.js';
import { requestStore } from '../adapters/request-store.js';
import { workflow } from '../adapters/workflow.js';
import { logger } from '../logger.js';
import { wakeHold } from './wake-hold.js';
import { finishRequest } from './finish-request.js';
import { describeGrantEnd } from './grant-description.js';
import { checkRevoked, releaseGrant, revokeUnheldGrant } from './grant.js';
import { announceStatusChanges } from './notify.js';
import { changeStatus } from './request-status.js';
import { releaseReservations } from './rule-slots.js';

/** EC2 answers a burst of 100 describes, then 20 a second: one call per scope, backing off when throttled. */
const DESCRIBE_ATTEMPTS = 6;
const BACKOFF_BASE_MS = 250;

async function withBackoff<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof GrantThrottled) || attempt >= DESCRIBE_ATTEMPTS) throw error;
      // Full jitter: the call's own retries (aws-query-call.ts) are spent; spread the next tries out.
      await sleep(Math.random() * BACKOFF_BASE_MS * 2 ** attempt);
    }
  }
}

type Scope = { mode: 'vpc' | 'classic'; name: string };

const scopeId = (scope: Scope): string => `${scope.mode}:${scope.name}`;

function scopeOf(item: Pick<GrantRecord, 'target' | 'resolved'>): Scope | undefined {
  const name = grantScope(item.target, item.resolved);
  return name === undefined ? undefined : { mode: item.target.mode, name };
}

class Run {
  readonly summary: ReconcileSummary = { checked: 0, ended: 0, orphansRevoked: 0, errors: 0 };
  /** What AWS showed, per scope; a scope whose describe failed is absent (nothing is decided on it). */
  readonly seen = new Map<string, ObservedGrant[]>();
  /** Grant records a REVOKING request's retry has dealt with this run (their revoke is not tried twice). */
  readonly revokedFor = new Set<string>();

  constructor(
    readonly now: Date,
    readonly settings: ReconcileSettings,
  ) {}

  /** Runs one repair; a failure is counted and logged, and the run goes on with the next. */
  async attempt(what: string, context: Record<string, unknown>, repair: () => Promise<void>): Promise<void> {
    try {
      await repair();
    } catch (error) {
      this.summary.errors++;
      logger.error(`reconciler: ${what} failed`, { ...context, error });
    }
  }

  observed(item: Pick<GrantRecord, 'target' | 'resolved'>): ObservedGrant[] | undefined {
    const scope = scopeOf(item);
    return scope ? this.seen.get(scopeId(scope)) : undefined;
  }
}

async function observe(run: Run, scopes: Scope[]): Promise<void> {
  for (const scope of scopes) {
    await run.attempt('describing AWS', { scope: scopeId(scope) }, async () => {
      run.seen.set(scopeId(scope), await withBackoff(() => grantDriverFor(scope).inventory(scope.name)));
    });
  }
}

/** Whether AWS shows this request's grant in effect (or on its way in). */
function grantPresent(observed: ObservedGrant[], request: AccessRequestRecord): boolean {
  return observed.some((grant) => grantsTarget(grant, request.target, request.resolved) && (grant.state === 'active' || grant.state === 'pending'));
}

/**
 * Ends a request whose execution is over: the revoke through the workflow's own path (releaseGrant, then
 * checkRevoked), and ENDED once the grant is verified gone. A classic revoke takes about a minute: the
 * next run finishes it.
 */
async function finishHere(run: Run, request: AccessRequestRecord): Promise<void> {
  run.revokedFor.add(targetKey(request.target));
  const { revoked } = await releaseGrant(request.id, run.now);
  if (revoked && !(await checkRevoked(request.id, new Date())).gone) return;
  const { status } = await finishRequest({ requestId: request.id, outcome: 'ENDED', now: new Date() });
  if (status === 'ENDED') run.summary.ended++;
}

/** ACTIVE → REVOKING by the reconciler; the workflow is woken to revoke and end it, or it is ended here. */
async function endAccess(run: Run, request: AccessRequestRecord, reason: 'removed-outside' | 'expired', detail: string): Promise<void> {
  const revoking = await changeStatus(request, {
    to: 'REVOKING',
    by: 'reconciler',
    actor: 'reconciler',
    event: reason === 'removed-outside' ? 'removed outside cachegate' : 'revoking',
    detail,
    set: { endReason: reason, endedBy: 'reconciler' },
    now: run.now,
  });
  if (!revoking) return; // someone else changed it first (a revoke, the workflow): theirs stands
  await announceStatusChanges(revoking);
  if (await workflow.isRunning(request.id)) {
    await wakeHold(request.id);
    run.summary.ended++;
    return;
  }
  await finishHere(run, revoking);
}

async function reconcileActive(run: Run, request: AccessRequestRecord, records: Map<string, GrantRecord>): Promise<void> {
  run.summary.checked++;
  const expiresAt = request.expiresAt ? Date.parse(request.expiresAt) : undefined;
  // Its time is up and more: the hold is gone (Hold failed) unless the execution still runs.
  if (expiresAt !== undefined && run.now.getTime() - expiresAt >= run.settings.quietMs + 60_000 && !(await workflow.isRunning(request.id))) {
    countMetric('OverdueAccessEnded');
    await endAccess(run, request, 'expired', 'The access was past its end and its workflow was over');
    return;
  }
  const observed = run.observed(request);
  if (!observed) return;
  if (grantPresent(observed, request)) {
    if (request.grantMissingSince) {
      await requestStore.update(request.id, { remove: ['grantMissingSince'], expectStatus: ['ACTIVE'], now: run.now });
    }
    const record = records.get(targetKey(request.target));
    if (request.expiresAt && record && record.ends[request.id] !== request.expiresAt) await describeGrantEnd(request, run.now);
    return;
  }
  const verdict = absenceVerdict(request.grantMissingSince, run.now, run.settings);
  if (verdict === 'first-sighting') {
    await requestStore.update(request.id, { set: { grantMissingSince: run.now.toISOString() }, expectStatus: ['ACTIVE'], now: run.now });
  } else if (verdict === 'confirmed') {
    logger.warn('reconciler: access removed outside cachegate', { requestId: request.id, missingSince: request.grantMissingSince });
    countMetric('AccessRemovedOutside');
    await endAccess(run, request, 'removed-outside', `The grant was missing from AWS since ${request.grantMissingSince ?? ''}`);
  }
}

async function reconcileRevoking(run: Run, request: AccessRequestRecord): Promise<void> {
  run.summary.checked++;
  if (run.now.getTime() - Date.parse(request.updatedAt) < run.settings.quietMs || (await workflow.isRunning(request.id))) return;
  logger.warn('reconciler: retrying a stuck revoke', { requestId: request.id });
  countMetric('StuckRevokesRetried');
  await finishHere(run, request);
}

/** The observed grant a record stands for: by its rule id, else the rule its creator's tag names. */
function recordedGrant(observed: ObservedGrant[], record: GrantRecord): ObservedGrant | undefined {
  if (record.ruleId) return observed.find((grant) => grant.id === record.ruleId);
  if (record.target.mode === 'vpc') return observed.find((grant) => grant.taggedRequest === record.createdBy && grantsTarget(grant, record.target, record.resolved));
  return observed.find((grant) => grantsTarget(grant, record.target, record.resolved));
}

async function reconcileRecord(run: Run, record: GrantRecord, holding: Map<string, AccessRequestRecord>): Promise<void> {
  run.summary.checked++;
  if (!isQuiet(record, run.now, run.settings) || run.revokedFor.has(record.key)) return;
  let current = record;
  const gone = current.holders.filter((holder) => !holding.has(holder));
  if (gone.length > 0) {
    // Their requests reached a final status without leaving (a crash between the writes).
    const holders = current.holders.filter((holder) => holding.has(holder));
    const ends = Object.fromEntries(Object.entries(current.ends).filter(([holder]) => holders.includes(holder)));
    const next = { ...current, holders, ends, ...(holders.length === 0 ? { state: 'revoking' as const } : {}) };
    if (!(await requestStore.putGrantRecord(next, current.version, run.now))) return;
    logger.warn('reconciler: removed holders that no longer hold', { key: current.key, removed: gone });
    current = { ...next, version: current.version + 1, updatedAt: run.now.toISOString() };
  }
  if (current.holders.length > 0) return;
  const observed = run.observed(current);
  if (!observed) return;
  const grant = recordedGrant(observed, current);
  if (!grant || grant.state === 'absent') {
    // Nothing left in AWS: the record goes (conditional on the version read).
    await requestStore.deleteGrantRecord(current.key, current.version);
    return;
  }
  if (grant.state === 'revoking') return; // a classic revoke under way: the next run verifies it
  // Claim it first: a conditional write that also keeps new holders out (they wait, then grant again).
  const claimed = { ...current, state: 'revoking' as const, ...(current.target.mode === 'vpc' ? { ruleId: grant.id } : {}) };
  if (!(await requestStore.putGrantRecord(claimed, current.version, run.now))) return;
  logger.warn('reconciler: revoking a grant no request holds', { key: current.key, grant: grant.id, createdBy: current.createdBy });
  await revokeUnheldGrant({ ...claimed, version: current.version + 1, updatedAt: run.now.toISOString() });
  run.summary.orphansRevoked++;
  countMetric('OrphanGrantsRevoked');
}

/** A cachegate-tagged rule no grant record knows: claimed with a new record (a conditional put), then revoked. */
async function reconcileUnrecordedRule(run: Run, grant: ObservedGrant, known: Set<string>): Promise<void> {
  const creator = grant.taggedRequest ? await requestStore.get(grant.taggedRequest) : undefined;
  if (!creator) {
    logger.warn('reconciler: a rule tagged for a request this stack does not know; left alone', { grant: grant.id, tag: grant.taggedRequest });
    return;
  }
  const key = targetKey(creator.target);
  if (known.has(key) || run.now.getTime() - Date.parse(creator.updatedAt) < run.settings.quietMs) return;
  const record = { key, target: creator.target, resolved: creator.resolved, holders: [], createdBy: creator.id, ruleId: grant.id, state: 'revoking' as const, ends: {} };
  if (!(await requestStore.putGrantRecord(record, 0, run.now))) return;
  logger.warn('reconciler: revoking a cachegate rule with no grant record', { grant: grant.id, createdBy: creator.id });
  await revokeUnheldGrant({ ...record, version: 1, updatedAt: run.now.toISOString() });
  run.summary.orphansRevoked++;
  countMetric('OrphanGrantsRevoked');
}

/**
 * Releases the rule slots of a managed group reserved by requests that are final, or that were never
 * stored and reserved longer ago than the quiet time (a submission under way stores its request right
 * after reserving). `open` holds the requests known to be in a non-final status.
 */
async function reconcileSlots(run: Run, group: string, open: ReadonlySet<string>): Promise<void> {
  const stale = new Set<string>();
  for (const { requestId, reservedAt } of reservations(await requestStore.slotLedger(group))) {
    if (open.has(requestId)) continue;
    const request = await requestStore.get(requestId);
    const abandoned = request === undefined && run.now.getTime() - Date.parse(reservedAt) >= run.settings.quietMs;
    if (abandoned || (request !== undefined && isFinal(request.status))) stale.add(requestId);
  }
  if (stale.size === 0) return;
  logger.warn('reconciler: released rule slots of requests that no longer need them', { group, requests: [...stale] });
  await releaseReservations(group, stale, run.now);
}

/** The age of the oldest request waiting for approval, as a metric (0 when none waits). */
async function reportOldestPending(now: Date): Promise<void> {
  const oldest = await requestStore.oldestInStatus('PENDING_APPROVAL');
  secondsMetric('OldestPendingApprovalAgeSeconds', oldest ? Math.max(0, Math.round((now.getTime() - Date.parse(oldest.createdAt)) / 1000)) : 0);
}

export async function reconcile(now: Date, managedGroups: readonly string[]): Promise<ReconcileSummary> {
  const run = new Run(now, { quietMs: reconcileConfig().quietSeconds * 1000, absentConfirmMs: 60_000 });
  // Records first, then requests: a holder listed on a record read earlier is in a holding status now, or final.
  const records = await requestStore.grantRecords();
  const holding = new Map<string, AccessRequestRecord>();
  for (const status of HOLDING_STATUSES) for (const request of await requestStore.allInStatus(status)) holding.set(request.id, request);

  const scopes = new Map<string, Scope>(managedGroups.map((name) => [`vpc:${name}`, { mode: 'vpc', name }]));
  for (const item of [...records, ...holding.values()]) {
    const scope = scopeOf(item);
    if (scope) scopes.set(scopeId(scope), scope);
  }
  await observe(run, [...scopes.values()]);

  const byKey = new Map(records.map((record) => [record.key, record]));
  for (const request of holding.values()) {
    if (request.status === 'ACTIVE') await run.attempt('checking an ACTIVE request', { requestId: request.id }, () => reconcileActive(run, request, byKey));
    if (request.status === 'REVOKING') await run.attempt('finishing a REVOKING request', { requestId: request.id }, () => reconcileRevoking(run, request));
  }
  for (const record of records) await run.attempt('checking a grant record', { key: record.key }, () => reconcileRecord(run, record, holding));

  const recordedRules = new Set(records.map((record) => record.ruleId).filter((id): id is string => id !== undefined));
  const creators = new Set(records.map((record) => record.createdBy));
  for (const name of managedGroups) {
    for (const grant of run.seen.get(`vpc:${name}`) ?? []) {
      if (!grant.taggedRequest || recordedRules.has(grant.id) || creators.has(grant.taggedRequest)) continue;
      await run.attempt('revoking an unrecorded rule', { grant: grant.id }, () => reconcileUnrecordedRule(run, grant, new Set(byKey.keys())));
    }
  }

  const open = new Set([...holding.keys(), ...(await requestStore.allInStatus('PENDING_APPROVAL')).map((request) => request.id)]);
  for (const scope of scopes.values()) {
    if (scope.mode === 'vpc') await run.attempt('releasing rule slots', { group: scope.name }, () => reconcileSlots(run, scope.name, open));
  }

  await run.attempt('reporting the oldest pending request', {}, () => reportOldestPending(now));
  if (run.summary.errors > 0) countMetric('ReconcileErrors', {}, run.summary.errors);
  logger.info('reconciled', { ...run.summary });
  return run.summary;
}
