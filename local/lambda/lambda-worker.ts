/**
 * One local Lambda instance: a worker thread with its own module graph and its own process.env (the
 * function's deployed environment), which loads the function's bundle once (its cold start) and then runs
 * one invocation at a time, as the Lambda runtime does. Errors cross back as the runtime reports them:
 * { errorType, errorMessage, trace }.
 */
import module from 'node:module';
import { dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

interface Invocation {
  id: number;
  event: unknown;
  context: { functionName: string; awsRequestId: string; invokedFunctionArn: string; memoryLimitInMB: string; deadline: number };
}

type Handler = (event: unknown, context: object) => Promise<unknown>;

const { bundle, exportName } = workerData as { bundle: string; exportName: string };

// V8's code cache for the bundles, beside them: a cold start then compiles less (a local speed-up only; Lambda
// starts from the zip each time).
module.enableCompileCache?.(join(dirname(bundle), '.compile-cache'));

function asRuntimeError(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const err = error instanceof Error ? error : new Error(String(error));
  return { errorType: err.name || 'Error', errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
}

const loading: Promise<Handler> = import(pathToFileURL(bundle).href).then((module: Record<string, unknown>) => {
  const handler = module[exportName];
  if (typeof handler !== 'function') throw Object.assign(new Error(`${bundle} does not export ${exportName}`), { name: 'Runtime.HandlerNotFound' });
  return handler as Handler;
});
// The init phase is over (or failed: each invocation then reports the error): the invocation clock may start.
loading.then(
  () => parentPort?.postMessage({ ready: true }),
  () => parentPort?.postMessage({ ready: true }),
);

parentPort?.on('message', (invocation: Invocation) => {
  void (async () => {
    try {
      const handler = await loading;
      const { deadline, ...context } = invocation.context;
      const result = await handler(invocation.event, { ...context, callbackWaitsForEmptyEventLoop: false, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) });
      parentPort?.postMessage({ id: invocation.id, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) });
    } catch (error) {
      parentPort?.postMessage({ id: invocation.id, error: asRuntimeError(error) });
    }
  })();
});
