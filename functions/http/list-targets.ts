/** GET /targets: the targets the caller may ask for (mode, approvers, durations), and the caller's roles. */
import { secretsMiddleware } from '../secrets-middleware.js';
import { listTargets } from '../services/list-targets.js';
import { callerGroups } from './caller-groups.js';
import { httpRoute, json } from './middleware.js';
import { callerOf } from './request-input.js';

export const handler = httpRoute(async (event) => json(200, listTargets(callerOf(event), callerGroups(event))), { use: [secretsMiddleware(['approvalPolicy'])] });
