/**
 * Granting, verifying and (on failure) revoking, through the target's grant driver. Each step writes
 * the request's status and history before it returns, so the console and GET /requests/{id} show
 * progress while the workflow runs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { grantConfig } from '../config.js';
import type { GrantRequest, GrantState } from '../domain/grant-driver.js';
import type { AccessRequestRecord } from '../domain/request-lifecycle.js';
import { AlreadyAuthorized, NotFoundError } from '../errors.js';
import { grantDriverFor } from '../adapters/grant-drivers.js';
import { requestStore } from '../adapters/request-store.js';
import { logger } from '../logger.js';
import { notifyPeople } from './notify.js';
import { changeStatus } from './request-status.js';

async function load(requestId: string): Promise<AccessRequestRecord> {
  const request = await requestStore.get(requestId);
  if (!request) throw new NotFoundError(`No request ${requestId}`);
  return request;
}

function grantRequest(request: AccessRequestRecord): GrantRequest {
  return { requestId: request.id, requester: request.requester, target: request.target, resolved: request.resolved };
}

export async function grantIngress(requestId: string, now: Date): Promise<{ created: boolean }> {
  const request = await load(requestId);
  if (request.grant) return { created: request.grant.created }; // a retried task: the grant call was made
  if (request.status === 'APPROVED') {
    // The requester hears of the approval from here, the workflow's first step after it (not from the
    // approver's click), so the message goes through the durable path even if that reply was lost.
    await notifyPeople('approved', request);
    const authorizing = await changeStatus(request, { to: 'AUTHORIZING', by: 'workflow', actor: 'cachegate', detail: request.resolved.summary, now });
    if (!authorizing) throw new Error(`Request ${requestId} changed while its grant was starting`);
  }
  try {
    const receipt = await grantDriverFor(request.target).authorize(grantRequest(request));
    await requestStore.update(requestId, { set: { grant: { ...receipt, startedAt: now.toISOString() } }, now: new Date() });
    logger.info('grant requested', { requestId, ruleId: receipt.ruleId });
    return { created: receipt.created };
  } catch (error) {
    if (error instanceof AlreadyAuthorized) {
      // Not ours to revoke later: remember that this request did not create it.
      await requestStore.update(requestId, {
        set: { grant: { created: false, startedAt: now.toISOString() } },
        history: [{ at: new Date().toISOString(), event: 'already authorized', actor: 'cachegate', detail: 'An equal grant exists; verifying it' }],
        now: new Date(),
      });
    }
    throw error;
  }
}

export interface CheckResult {
  state: GrantState;
  checks: number;
  gaveUp: boolean;
  nextCheckSeconds: number;
}

/** Looks at the grant every pollInterval for up to pollWindow; hands back to the state machine after. */
export async function checkGrantStatus(requestId: string): Promise<CheckResult> {
  const request = await load(requestId);
  const config = grantConfig();
  const driver = grantDriverFor(request.target);
  const startedAt = Date.parse(request.grant?.startedAt ?? request.updatedAt);
  const windowEnds = Date.now() + config.pollWindowMs;
  let checks = 0;
  let state: GrantState;
  for (;;) {
    state = await driver.status(grantRequest(request));
    checks++;
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    if (state === 'active' || elapsedSeconds >= config.verifyTimeoutSeconds || Date.now() + config.pollIntervalMs > windowEnds) break;
    await sleep(config.pollIntervalMs);
  }
  const gaveUp = state !== 'active' && (Date.now() - startedAt) / 1000 >= config.verifyTimeoutSeconds;
  await requestStore.update(requestId, {
    set: { grantChecks: (request.grantChecks ?? 0) + checks },
    history: [{ at: new Date().toISOString(), event: `grant ${state}`, actor: 'cachegate', detail: `${checks} status check(s)` }],
    now: new Date(),
  });
  return { state, checks, gaveUp, nextCheckSeconds: config.recheckSeconds };
}

/** Failure clean-up: revoke the grant only if this request created it. */
export async function revokeOwnGrant(requestId: string): Promise<{ revoked: boolean }> {
  const request = await load(requestId);
  const now = new Date();
  if (!request.grant?.created) {
    await requestStore.update(requestId, { history: [{ at: now.toISOString(), event: 'nothing to revoke', actor: 'cachegate' }], now });
    return { revoked: false };
  }
  try {
    await grantDriverFor(request.target).revoke(grantRequest(request), request.grant);
  } catch (error) {
    await requestStore.update(requestId, {
      history: [{ at: now.toISOString(), event: 'grant revoke failed', actor: 'cachegate', detail: `${(error as Error).name}: ${(error as Error).message}` }],
      now,
    });
    throw error;
  }
  await requestStore.update(requestId, {
    history: [{ at: now.toISOString(), event: 'grant revoked', actor: 'cachegate', detail: 'clean-up after failure' }],
    now,
  });
  logger.info('grant revoked after failure', { requestId });
  return { revoked: true };
}
