/** "Wait for approval" (.waitForTaskToken): keeps the task token server-side, asks the approvers once. */
import { requireSecret, SLACK_NOTIFY_SECRETS } from '../secrets.js';
import { secretsMiddleware } from '../secrets-middleware.js';
import { beginApprovalWait } from '../services/approval-wait.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(
  async (input: TaskInput & { taskToken: string }, context) =>
    beginApprovalWait({ requestId: input.requestId, taskToken: input.taskToken, linkKey: requireSecret(context, 'linkSigningKey'), now: new Date() }),
  { use: [secretsMiddleware(['linkSigningKey', ...SLACK_NOTIFY_SECRETS])] },
);
