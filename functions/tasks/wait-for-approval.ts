/** "Wait for approval" (.waitForTaskToken): keeps the task token server-side, asks the approvers once. */
import { beginApprovalWait } from '../services/approval-wait.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(async (input: TaskInput & { taskToken: string }) =>
  beginApprovalWait({ requestId: input.requestId, taskToken: input.taskToken, now: new Date() }),
);
