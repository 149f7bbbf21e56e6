/**
 * Granting, verifying and (on failure) revoking, through the target's grant driver. Each step writes
 * the request's status and history before it returns, so the console and GET /requests/{id} show
 * progress while the workflow runs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { grantConfig } from '../config.js';
import { checkSchedule, isCheckDue, nextCheckAt } from '../domain/check-schedule.js';
import type { GrantRequest, GrantState } from '../domain/grant-driver.js';
import type { AccessRequestRecord } from '../domain/request-lifecycle.js';
import { describeTarget, targetKey } from '../domain/access-request.js';
import { afterLeaving, latestEnd, type GrantRecord } from '../domain/grant-record.js';
import { AlreadyAuthorized, GrantFailed, GroupNotFound, NotAuthorized, NotFoundError } from '../errors.js';
import { grantDriverFor } from '../adapters/grant-drivers.js';
import { requestStore } from '../adapters/request-store.js';
import { logger } from '../logger.js';
import { describeRemainingHolder } from './grant-description.js';
import { GrantBusy, updateGrantRecord } from './grant-records.js';
import { announceStatusChanges, notifyPeople } from './notify.js';
import { changeStatus } from './request-status.js';

async function load(requestId: string): Promise<AccessRequestRecord> {
  const request = await requestStore.get(requestId);
  if (!request) throw new NotFoundError(`No request ${requestId}`);
  return request;
}

/** What the grant call needs, and the rule's description: who holds it, until the latest end. */
function grantRequest(request: AccessRequestRecord, record?: GrantRecord): GrantRequest {
  const until = record ? latestEnd(record) : request.expiresAt;
  return { requestId: request.id, requester: request.requester, target: request.target, resolved: request.resolved, ...(until ? { until } : {}) };
}

/**
 * Joins the request to its grant record: the first holder creates the record (and then the grant), a
 * later one shares what is there. Conditional on the record's version; a lost race is read again.
 */
async function joinGrant(request: AccessRequestRecord, now: Date): Promise<{ record: GrantRecord; first: boolean; retried?: boolean }> {
  const key = targetKey(request.target);
  for (let attempt = 0; attempt < 8; attempt++) {
    const record = await requestStore.grantRecord(key);
    if (!record) {
      const fresh = { key, target: request.target, resolved: request.resolved, holders: [request.id], createdBy: request.id, state: 'granting' as const, ends: {} };
      if (await requestStore.putGrantRecord(fresh, 0, now)) return { record: { ...fresh, version: 1, updatedAt: now.toISOString() }, first: true };
      continue;
    }
    if (record.holders.includes(request.id)) return { record, first: record.createdBy === request.id && record.state === 'granting', retried: true };
    if (record.state === 'revoking') throw new GrantBusy(`The grant is being revoked for its last holder; this request grants it again once that is done`);
    const joined = { ...record, holders: [...record.holders, request.id] };
    if (await requestStore.putGrantRecord(joined, record.version, now)) return { record: { ...joined, version: record.version + 1 }, first: false };
  }
  throw new GrantBusy('The grant record kept changing; trying again');
}

/**
 * "Grant ingress". Writes, in order: the request (APPROVED → AUTHORIZING), the grant record (this request
 * a holder), the grant in AWS (first holder only), the rule id on the record and the request. A crash
 * between any two leaves a state the task's retry or the reconciler finishes (docs/lifecycle.md).
 */
export async function grantIngress(requestId: string, now: Date): Promise<{ created: boolean }> {
  let request = await load(requestId);
  if (request.grant) return { created: request.grant.created }; // a retried task: the grant call was made
  if (request.status === 'APPROVED') {
    // The requester hears of the approval from here, the workflow's first step after it (not from the
    // approver's click), so the message goes through the durable path even if that reply was lost.
    await notifyPeople('approved', request);
    const authorizing = await changeStatus(request, { to: 'AUTHORIZING', by: 'workflow', actor: 'cachegate', detail: request.resolved.summary, now });
    if (!authorizing) throw new Error(`Request ${requestId} changed while its grant was starting`);
    request = authorizing;
    // The approver's decision (an HTTP route, which queues nothing) and this change.
    await announceStatusChanges(request);
  }
  const { record, first, retried } = await joinGrant(request, now);
  if (!first) {
    // Shared: the grant is cachegate's already (another request created it); verify it like a fresh one.
    await requestStore.update(requestId, {
      set: { grant: { created: false, ...(record.ruleId ? { ruleId: record.ruleId } : {}), startedAt: now.toISOString() } },
      history: [{ at: now.toISOString(), event: 'grant shared', actor: 'cachegate', detail: `held with ${record.holders.filter((h) => h !== requestId).join(', ') || 'no one else'}` }],
      now,
    });
    return { created: false };
  }
  let receipt;
  try {
    receipt = await grantDriverFor(request.target).authorize(grantRequest(request));
  } catch (error) {
    // A retried task can meet the rule its own first attempt created before EC2's eventually consistent
    // describe shows it (the driver looks for it by tag): look again shortly, still holding the record.
    if (error instanceof AlreadyAuthorized && retried) throw new GrantBusy(`${error.message}; it may be this request's own earlier attempt, not visible yet`);
    // The grant call failed: this request no longer holds the record it created.
    await updateGrantRecord(record.key, (r) => (r.holders.includes(requestId) ? { ...r, holders: r.holders.filter((h) => h !== requestId) } : undefined), new Date());
    const emptied = await requestStore.grantRecord(record.key);
    if (emptied && emptied.holders.length === 0 && emptied.state === 'granting') await requestStore.deleteGrantRecord(emptied.key, emptied.version);
    if (error instanceof AlreadyAuthorized) {
      // Equal access exists that cachegate did not create: it cannot take it back, so it does not manage it.
      throw new GrantFailed(`${error.message}. cachegate does not manage access it did not create; remove that grant, or ask without cachegate`);
    }
    throw error;
  }
  const at = new Date();
  await updateGrantRecord(record.key, (r) => ({ ...r, state: 'active', ...(receipt.ruleId ? { ruleId: receipt.ruleId } : {}) }), at);
  await requestStore.update(requestId, { set: { grant: { ...receipt, startedAt: now.toISOString() } }, now: at });
  logger.info('grant requested', { requestId, ruleId: receipt.ruleId });
  return { created: receipt.created };
}

export interface CheckResult {
  state: GrantState;
  checks: number;
  gaveUp: boolean;
  /** How long "Wait before next check" waits before the next invocation (whole seconds, as Wait states take). */
  nextCheckSeconds: number;
}

/**
 * Looks at the grant on its driver's schedule (domain/check-schedule.ts), counted from the grant call.
 * Between looks due within this invocation's window it waits here; a longer gap goes back to the state
 * machine's Wait state, which costs nothing while it waits. An invocation before the first look is due
 * (classic, right after the grant) makes no call at all and only says how long to wait.
 */
export async function checkGrantStatus(requestId: string): Promise<CheckResult> {
  const request = await load(requestId);
  const config = grantConfig();
  const driver = grantDriverFor(request.target);
  const schedule = checkSchedule(request.target.mode, config);
  const startedAt = Date.parse(request.grant?.startedAt ?? request.updatedAt);
  const windowEnds = Date.now() + config.pollWindowMs;
  const elapsedSeconds = (): number => (Date.now() - startedAt) / 1000;
  let checks = 0;
  let state: GrantState = 'pending';
  let waitSeconds = 0;
  if (isCheckDue(schedule, elapsedSeconds())) {
    for (;;) {
      state = await driver.status(grantRequest(request));
      checks++;
      const elapsed = elapsedSeconds();
      if (state === 'active' || elapsed >= config.verifyTimeoutSeconds) break;
      waitSeconds = nextCheckAt(schedule, elapsed, config.verifyTimeoutSeconds) - elapsed;
      if (Date.now() + waitSeconds * 1000 > windowEnds) break;
      await sleep(waitSeconds * 1000);
      waitSeconds = 0;
    }
  } else {
    waitSeconds = schedule.firstCheckSeconds - elapsedSeconds();
  }
  // Only a look can give up: the last one is planned at the timeout.
  const gaveUp = checks > 0 && state !== 'active' && elapsedSeconds() >= config.verifyTimeoutSeconds;
  if (checks > 0) {
    await requestStore.update(requestId, {
      set: { grantChecks: (request.grantChecks ?? 0) + checks },
      history: [{ at: new Date().toISOString(), event: `grant ${state}`, actor: 'cachegate', detail: `${checks} status check(s)` }],
      now: new Date(),
    });
  }
  return { state, checks, gaveUp, nextCheckSeconds: Math.max(0, Math.ceil(waitSeconds)) };
}

export interface ReleaseResult {
  /** The grant in AWS was revoked (this was its last holder): verify it is gone. */
  revoked: boolean;
  nextCheckSeconds: number;
}

/**
 * "Revoke access" and "Clean up grant": the request leaves its grant record; only the last holder's
 * leaving revokes the grant in AWS, by what was recorded at grant time. At the end of access the request
 * goes ACTIVE → REVOKING first (a person's revoke has done that already). A grant already gone (revoked
 * by hand, its group deleted) counts as revoked; throttling is thrown for the state machine to retry;
 * any other failure leaves the request REVOKING with the reason, for the reconciler.
 */
export async function releaseGrant(requestId: string, now: Date): Promise<ReleaseResult> {
  let request = await load(requestId);
  if (request.status === 'ACTIVE') {
    const revoking = await changeStatus(request, {
      to: 'REVOKING',
      by: 'workflow',
      actor: 'cachegate',
      detail: 'The access has reached its end',
      set: { endReason: 'expired', endedBy: 'cachegate' },
      now,
    });
    request = revoking ?? (await load(requestId));
  }
  const key = targetKey(request.target);
  const left = await updateGrantRecord(
    key,
    (record) => {
      if (!record.holders.includes(requestId)) return undefined;
      const after = afterLeaving(record, requestId);
      const { [requestId]: _mine, ...ends } = record.ends;
      return { ...record, holders: after.holders, ends, ...(after.last ? { state: 'revoking' as const } : {}) };
    },
    now,
  );
  const check = revokeCheckSeconds(request);
  // The last holder gone (now, or by this task's earlier attempt): the grant goes. Otherwise others keep it.
  if (!left || left.holders.length > 0 || left.state !== 'revoking') {
    const detail = left && left.holders.length > 0 ? `still held by ${left.holders.join(', ')}` : 'no grant held';
    await requestStore.update(requestId, { history: [{ at: now.toISOString(), event: 'grant released', actor: 'cachegate', detail }], now });
    if (left && left.holders.length > 0) await describeRemainingHolder(left);
    return { revoked: false, nextCheckSeconds: check };
  }
  await revokeInAws(request, left, now);
  return { revoked: true, nextCheckSeconds: check };
}

/**
 * The revoke call itself, by what the grant record holds (the rule id recorded at grant time). "Already
 * gone" (revoked by hand, its group deleted) is done: it answers the error's message; throws the rest.
 */
async function revokeRecorded(request: GrantRequest, record: GrantRecord): Promise<{ alreadyGone?: string }> {
  try {
    await grantDriverFor(record.target).revoke(request, { created: true, ...(record.ruleId ? { ruleId: record.ruleId } : {}) });
    return {};
  } catch (error) {
    if (error instanceof NotAuthorized || error instanceof GroupNotFound) return { alreadyGone: error.message };
    throw error;
  }
}

/**
 * The reconciler's revoke of a grant no request holds (an orphan, or a revoke its last holder never
 * finished): the caller has already claimed the record (state `revoking`, a conditional write).
 * Verification and the record's removal follow on the next look (`verifyUnheldGrantGone`).
 */
export async function revokeUnheldGrant(record: GrantRecord): Promise<void> {
  await revokeRecorded({ requestId: record.createdBy, requester: 'cachegate', target: record.target, resolved: record.resolved }, record);
  logger.info('unheld grant revoked', { key: record.key, ruleId: record.ruleId, createdBy: record.createdBy });
}

/** The grant's revoke in AWS, by the rule id recorded on the grant record; "already gone" is done. */
async function revokeInAws(request: AccessRequestRecord, record: GrantRecord, now: Date): Promise<void> {
  try {
    const { alreadyGone } = await revokeRecorded(grantRequest(request, record), record);
    if (alreadyGone !== undefined) {
      await requestStore.update(request.id, {
        set: { revokeStartedAt: now.toISOString() },
        history: [{ at: now.toISOString(), event: 'grant already gone', actor: 'cachegate', detail: alreadyGone }],
        now,
      });
      return;
    }
  } catch (error) {
    await requestStore.update(request.id, {
      history: [{ at: now.toISOString(), event: 'grant revoke failed', actor: 'cachegate', detail: `${(error as Error).name}: ${(error as Error).message}` }],
      now,
    });
    throw error;
  }
  await requestStore.update(request.id, {
    set: { revokeStartedAt: now.toISOString() },
    history: [{ at: now.toISOString(), event: 'grant revoked', actor: 'cachegate', detail: record.ruleId ?? describeTarget(request.target) }],
    now,
  });
  logger.info('grant revoked', { requestId: request.id, ruleId: record.ruleId });
}

/** The first look after a revoke: its driver's schedule (VPC right away, classic on AWS's minute). */
function revokeCheckSeconds(request: AccessRequestRecord): number {
  return checkSchedule(request.target.mode, grantConfig()).firstCheckSeconds;
}

export interface RevokeCheck {
  gone: boolean;
  gaveUp: boolean;
  nextCheckSeconds: number;
}

/** The grant's status once revoked: a group that is itself gone (deleted) holds no grant any more. */
async function statusAfterRevoke(request: AccessRequestRecord, record: GrantRecord | undefined): Promise<GrantState> {
  try {
    return await grantDriverFor(request.target).status(grantRequest(request, record));
  } catch (error) {
    if (error instanceof GroupNotFound) return 'absent';
    throw error;
  }
}

/**
 * "Check revoke": is the grant gone from AWS? Then the grant record goes too. Looks follow the driver's
 * schedule counted from the revoke call, as the grant's do; only a look at the time-out gives up.
 */
export async function checkRevoked(requestId: string, now: Date): Promise<RevokeCheck> {
  const request = await load(requestId);
  const config = grantConfig();
  const key = targetKey(request.target);
  const record = await requestStore.grantRecord(key);
  const state = await statusAfterRevoke(request, record);
  const gone = state === 'absent';
  const elapsed = (now.getTime() - Date.parse(request.revokeStartedAt ?? record?.updatedAt ?? request.updatedAt)) / 1000;
  const gaveUp = !gone && elapsed >= config.verifyTimeoutSeconds;
  if (gone && record && record.state === 'revoking' && record.holders.length === 0) await requestStore.deleteGrantRecord(key, record.version);
  await requestStore.update(requestId, { history: [{ at: now.toISOString(), event: gone ? 'grant gone' : `grant ${state}`, actor: 'cachegate' }], now });
  const next = nextCheckAt(checkSchedule(request.target.mode, config), elapsed, config.verifyTimeoutSeconds);
  return { gone, gaveUp, nextCheckSeconds: Math.max(0, Math.ceil(next - elapsed)) };
}
