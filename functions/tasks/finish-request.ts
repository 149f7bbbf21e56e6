/** "Notify granted / denied / expired / failed": the final status, stored and announced. */
import { finishRequest, type Outcome } from '../services/finish-request.js';
import { SLACK_NOTIFY_SECRETS } from '../secrets.js';
import { secretsMiddleware } from '../secrets-middleware.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(
  async (input: TaskInput & { outcome: Outcome; state?: unknown }) =>
    finishRequest({ requestId: input.requestId, outcome: input.outcome, state: input.state, now: new Date() }),
  { use: [secretsMiddleware(SLACK_NOTIFY_SECRETS)] },
);
