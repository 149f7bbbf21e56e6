/** "Record request": the workflow has started; returns the approval wait's first deadline. */
import { recordRequest } from '../services/approval-wait.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(async (input: TaskInput) => recordRequest(input.requestId, new Date()));
