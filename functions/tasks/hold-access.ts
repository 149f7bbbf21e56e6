/** "Hold access" (.waitForTaskToken): sleeps until the next thing due, or until someone changes the request. */
import { beginHold } from '../services/access-hold.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(async (input: TaskInput & { taskToken: string; version: number }) =>
  beginHold({ requestId: input.requestId, taskToken: input.taskToken, version: input.version }),
);
