/** The reconciler, on its EventBridge schedule (and POST /dev/reconcile locally): compare AWS with the records. */
import middy from '@middy/core';
import { grantConfig } from '../config.js';
import { logger } from '../logger.js';
import { reconcile } from '../services/reconcile.js';

const run = middy().handler(async (_event: unknown, context: { awsRequestId: string }) => {
  logger.resetKeys();
  logger.appendKeys({ awsRequestId: context.awsRequestId });
  return reconcile(new Date(), Object.values(grantConfig().managedGroups));
});

export const handler = (event: unknown, context: { awsRequestId: string }) => logger.scope(() => run(event, context as never));
