/** "Remind or expire": at each approval deadline, remind, escalate, or close the window. */
import { remindOrExpire } from '../services/approval-wait.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(async (input: TaskInput) => remindOrExpire({ requestId: input.requestId, now: new Date() }));
