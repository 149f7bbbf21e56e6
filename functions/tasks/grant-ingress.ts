/** "Grant ingress": the grant call itself, through the target's driver. */
import { grantIngress } from '../services/grant.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(async (input: TaskInput) => grantIngress(input.requestId, new Date()));
