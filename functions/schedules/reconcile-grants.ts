/** The reconciler, on its EventBridge schedule (and POST /dev/reconcile locally): compare AWS with the records. */
import middy from '@middy/core';
import { grantConfig } from '../config.js';
import { logContext, logger } from '../logger.js';
import { reconcile } from '../services/reconcile.js';

const run = middy()
  .use(logContext())
  .handler(async () => {
    logger.resetKeys();
    return reconcile(new Date(), Object.values(grantConfig().managedGroups));
  });

export const handler = (event: unknown, context: { awsRequestId: string }) => logger.scope(() => run(event, context as never));
