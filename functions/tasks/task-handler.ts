/**
 * The middleware stack of every Step Functions task: the request id on every log line, secrets on the
 * context. Errors are not caught here: their `name` (GroupNotFound, GrantThrottled, …) is what the
 * state machine's Retry and Catch match.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logContext, logger } from '../logger.js';
import type { AnyMiddleware } from '../secrets-middleware.js';
import { withInvocationSecrets } from '../secrets.js';

export interface TaskInput {
  requestId: string;
}

export function taskHandler<TInput extends TaskInput, TResult>(
  task: (input: TInput, context: Context) => Promise<TResult>,
  options: { use?: readonly AnyMiddleware[] } = {},
) {
  const handler = middy<TInput, TResult>()
    .use(logContext())
    .use({
      before: (request) => {
        logger.resetKeys();
        logger.appendKeys({ requestId: request.event.requestId });
      },
      onError: (request) => {
        logger.warn('task failed', { error: request.error });
      },
    });
  for (const middleware of options.use ?? []) handler.use(middleware);
  // The secrets on the context also reach code far from the task (notifications): secrets.ts, ambientSecret.
  const invoke = handler.handler((input, context) => withInvocationSecrets(context, () => task(input, context)));
  return (input: TInput, context: Context): Promise<TResult> => logger.scope(() => invoke(input, context));
}
