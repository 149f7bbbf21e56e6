/** "Check grant status": is the grant effective yet? */
import { checkGrantStatus } from '../services/grant.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(async (input: TaskInput) => checkGrantStatus(input.requestId));
