/**
 * Access in effect, until it ends: "Check access" decides what is due (the expiry warning, an extension
 * round's deadline, the end) and how long "Hold access" may sleep; "Hold access" keeps its task token
 * server-side, and anyone who changes what is due (a revoke, an extension, a round's decision) wakes it.
 */
import { nextHoldStep, openRound } from '../domain/access-hold.js';
import type { AccessRequestRecord } from '../domain/request-lifecycle.js';
import { NotFoundError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';
import { workflow } from '../adapters/workflow.js';
import { describeGrantEndIfPossible } from './grant-description.js';
import { notifyPeople } from './notify.js';

export interface HoldTiming {
  /** Access is over (its time ran out, or someone ended it): revoke. */
  end: boolean;
  /** How long "Hold access" may sleep (its TimeoutSecondsPath). */
  waitSeconds: number;
  /** The request's version when this was decided: "Hold access" wakes at once if it has changed since. */
  version: number;
}

async function load(requestId: string): Promise<AccessRequestRecord> {
  const request = await requestStore.get(requestId);
  if (!request) throw new NotFoundError(`No request ${requestId}`);
  return request;
}

/** Closes the open extension round (at its deadline, or because access ended first) and tells the requester. */
async function closeRound(request: AccessRequestRecord, status: 'EXPIRED' | 'CLOSED', now: Date): Promise<AccessRequestRecord> {
  const round = openRound(request);
  if (!round) return request;
  const extensions = request.extensions.map((r) => (r.id === round.id ? { ...r, status } : r));
  const closed = await requestStore.update(request.id, {
    set: { extensions },
    history: [{ at: now.toISOString(), event: status === 'EXPIRED' ? 'extension expired' : 'extension closed', actor: 'cachegate', detail: round.id }],
    expectVersion: request.version,
    now,
  });
  if (!closed) return load(request.id);
  await notifyPeople(status === 'EXPIRED' ? 'extension-expired' : 'extension-closed', closed, { round: round.id });
  return closed;
}

/**
 * An approved extension moved the end, and woke the hold: the rule's description (the latest end of its
 * holders) follows now, not at the reconciler's next run. A no-op when the grant record knows the end.
 */
async function describeEnd(request: AccessRequestRecord, now: Date): Promise<void> {
  if (request.status === 'ACTIVE') await describeGrantEndIfPossible(request, now);
}

/** "Check access": does what is due now, and says how long to hold before the next thing. */
export async function checkAccess(requestId: string, now: Date): Promise<HoldTiming> {
  let request = await load(requestId);
  await describeEnd(request, now);
  for (let step = 0; step < 5; step++) {
    const next = nextHoldStep(request, now);
    if (next.kind === 'wait') return { end: false, waitSeconds: next.waitSeconds, version: request.version };
    if (next.kind === 'end') {
      request = await closeRound(request, 'CLOSED', now);
      return { end: true, waitSeconds: 1, version: request.version };
    }
    if (next.kind === 'close-round') {
      request = await closeRound(request, 'EXPIRED', now);
      continue;
    }
    // The expiry warning, once per end of access: recorded first, so a retry cannot send it twice.
    const warned = await requestStore.update(requestId, {
      set: { warnedFor: request.expiresAt },
      history: [{ at: now.toISOString(), event: 'expiry warning', actor: 'cachegate', detail: `access ends at ${request.expiresAt}` }],
      expectVersion: request.version,
      now,
    });
    if (warned) await notifyPeople('expiry-warning', warned, { round: warned.expiresAt });
    request = warned ?? (await load(requestId));
  }
  return { end: false, waitSeconds: 1, version: request.version };
}

/** "Hold access" (.waitForTaskToken): keeps the token; wakes at once if anything changed since "Check access". */
export async function beginHold(input: { requestId: string; taskToken: string; version: number }): Promise<void> {
  await requestStore.saveTaskToken(input.requestId, input.taskToken);
  const request = await load(input.requestId);
  if (request.status !== 'ACTIVE' || request.version !== input.version) await workflow.resume(input.taskToken, { woken: 'changed' });
}
