/** "Revoke access" and "Clean up grant": the request leaves its grant; the last holder's leaving revokes it. */
import { releaseGrant } from '../services/grant.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(async (input: TaskInput) => releaseGrant(input.requestId, new Date()));
