/**
 * Waking the hold: whoever changes what is due for access in effect (a revoke, an extension, a round's
 * decision, the reconciler) resumes "Hold access", so "Check access" looks again at once. Apart from
 * services/access-hold.ts, so that the HTTP routes that wake it bundle none of what "Check access" does.
 */
import { requestStore } from '../adapters/request-store.js';
import { workflow } from '../adapters/workflow.js';
import { logger } from '../logger.js';

/** Wakes "Hold access" so "Check access" looks again (a revoke, an extension, a round's decision). */
export async function wakeHold(requestId: string): Promise<void> {
  const taskToken = await requestStore.taskToken(requestId);
  if (!taskToken) return;
  const resumed = await workflow.resume(taskToken, { woken: 'changed' });
  // Between "Check access" and "Hold access": the hold sees the new version when it begins.
  if (resumed === 'already-closed') logger.info('no hold open; the next one sees the change', { requestId });
}
