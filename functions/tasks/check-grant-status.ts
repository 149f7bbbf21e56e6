/** "Check grant status" (is the grant effective yet?) and "Check revoke" (is it gone?). */
import { checkGrantStatus, checkRevoked } from '../services/grant.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(async (input: TaskInput & { want?: 'active' | 'absent' }) =>
  input.want === 'absent' ? checkRevoked(input.requestId, new Date()) : checkGrantStatus(input.requestId),
);
