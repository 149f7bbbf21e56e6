/** "Notify granted / denied / expired / failed / cancelled": the status stored, and announced. */
import { finishRequest, type Outcome } from '../services/finish-request.js';
import { taskHandler, type TaskInput } from './task-handler.js';

export const handler = taskHandler(async (input: TaskInput & { outcome: Outcome; state?: unknown }) =>
  finishRequest({ requestId: input.requestId, outcome: input.outcome, state: input.state, now: new Date() }),
);
