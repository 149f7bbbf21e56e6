/** "Remind or expire": at each approval deadline, remind, escalate, or close the window. */
import { requireSecret, SLACK_NOTIFY_SECRETS } from '../secrets.js';
import { secretsMiddleware } from '../secrets-middleware.js';
import { remindOrExpire } from '../services/approval-wait.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(
  async (input: TaskInput, context) => remindOrExpire({ requestId: input.requestId, linkKey: requireSecret(context, 'linkSigningKey'), now: new Date() }),
  { use: [secretsMiddleware(['linkSigningKey', ...SLACK_NOTIFY_SECRETS])] },
);
