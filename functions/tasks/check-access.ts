/** "Check access": the expiry warning, an extension round's deadline, or the end: whatever is due now. */
import { checkAccess } from '../services/access-hold.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(async (input: TaskInput) => checkAccess(input.requestId, new Date()));
