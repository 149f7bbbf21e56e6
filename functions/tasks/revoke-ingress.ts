/** "Clean up grant": on failure, revoke what this request created. */
import { revokeOwnGrant } from '../services/grant.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(async (input: TaskInput) => revokeOwnGrant(input.requestId));
