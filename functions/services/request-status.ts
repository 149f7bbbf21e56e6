/**
 * The one way a request's status changes: the transition table says whether this actor may make this
 * change, and the store writes it only if the request is still in the status it was read in. A caller
 * that gets `undefined` back lost a race: it re-reads and acts on (or reports) what actually happened.
 */
import type { AccessRequestRecord, HistoryEvent } from '../domain/request-lifecycle.js';
import type { RequestStatus } from '../domain/request-statuses.js';
import { checkTransition, type Actor } from '../domain/request-transitions.js';
import { requestStore } from '../adapters/request-store.js';

export interface StatusChange {
  to: RequestStatus;
  /** The actor's role, for the transition table. */
  by: Actor;
  /** Who, for the history: a person's email, or "cachegate". */
  actor: string;
  /** The history's name for it (default: the transition's). */
  event?: string;
  detail?: string;
  set?: Partial<AccessRequestRecord>;
  /** Events recorded before the change itself, in the same write. */
  history?: HistoryEvent[];
  now: Date;
}

export async function changeStatus(request: AccessRequestRecord, change: StatusChange): Promise<AccessRequestRecord | undefined> {
  const transition = checkTransition(request.status, change.to, change.by);
  return requestStore.update(request.id, {
    set: { ...change.set, status: change.to },
    history: [
      ...(change.history ?? []),
      { at: change.now.toISOString(), event: change.event ?? transition.event, actor: change.actor, status: change.to, ...(change.detail ? { detail: change.detail } : {}) },
    ],
    expectStatus: [request.status],
    now: change.now,
  });
}
