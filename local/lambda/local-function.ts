/**
 * A function of the local stack as Lambda runs it: instances are worker threads (local/lambda/lambda-worker.ts),
 * each with the function's bundle, its own module graph and its deployed environment; an instance runs one
 * invocation at a time, and concurrent invocations get more instances, up to MAX_INSTANCES (beyond that an
 * invocation waits for a free instance: on a 2-core machine each cold start costs about a second of CPU).
 * The function's timeout is enforced from the end of the instance's init phase (the instance is then
 * discarded, as Lambda discards a timed-out sandbox).
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface LocalFunctionSpec {
  /** serverless.yml key, e.g. grantIngress. */
  key: string;
  functionName: string;
  arn: string;
  /** The exact environment the function's instances see. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  memorySize: number;
  bundle: string;
  exportName: string;
  workerFile: string;
}

/** An error as the Lambda runtime reports it (what Step Functions puts in a task failure's Cause). */
export class FunctionError extends Error {
  constructor(readonly runtimeError: { errorType: string; errorMessage: string; trace: string[] }) {
    super(runtimeError.errorMessage);
    this.name = runtimeError.errorType;
  }
}

/** The most instances of one function at once (Lambda's own limit is the account's concurrency). */
export const MAX_INSTANCES = 2;

interface Instance {
  worker: Worker;
  busy: boolean;
  /** Resolves when the bundle is loaded (init done), or when the instance exits. */
  ready: Promise<void>;
  exited: boolean;
}

export class LocalFunction {
  private readonly instances = new Set<Instance>();
  private readonly waiting: (() => void)[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    readonly spec: LocalFunctionSpec,
    private readonly hooks: { onError?: (error: FunctionError) => void; onLogLine?: (line: string) => boolean } = {},
  ) {}

  /** How many instances (cold starts) this function has had. */
  get instanceCount(): number {
    return this.instances.size;
  }

  /** A free instance (a new one while under MAX_INSTANCES), marked busy; waits for one otherwise. */
  private async acquire(): Promise<Instance> {
    for (;;) {
      for (const instance of this.instances) {
        if (!instance.busy) {
          instance.busy = true;
          return instance;
        }
      }
      if (this.instances.size < MAX_INSTANCES) {
        const instance = this.spawn();
        instance.busy = true;
        return instance;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (this.closed) throw stopped();
    }
  }

  private release(instance: Instance): void {
    instance.busy = false;
    this.waiting.shift()?.();
  }

  private spawn(): Instance {
    const worker = new Worker(this.spec.workerFile, { workerData: { bundle: this.spec.bundle, exportName: this.spec.exportName }, env: this.spec.environment, stdout: true, stderr: true });
    worker.unref();
    // Both streams are the function's log (CloudWatch Logs in AWS): each line is looked at, as a log filter
    // would, and onLogLine says which to show.
    for (const [from, to] of [
      [worker.stdout, process.stdout],
      [worker.stderr, process.stderr],
    ] as const) {
      let pending = '';
      from.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString('utf8')).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (this.hooks.onLogLine?.(line) ?? true) to.write(`${line}\n`);
      });
    }
    const ready = new Promise<void>((resolve) => {
      const onReady = (message: { ready?: boolean }): void => {
        if (!message.ready) return;
        worker.off('message', onReady);
        resolve();
      };
      worker.on('message', onReady);
      worker.once('exit', () => resolve());
    });
    const instance: Instance = { worker, busy: false, ready, exited: false };
    this.instances.add(instance);
    worker.once('exit', () => {
      instance.exited = true;
      this.instances.delete(instance);
      this.waiting.shift()?.();
    });
    return instance;
  }

  /** One instance initialised ahead of use, as Lambda's provisioned concurrency does (for timing-sensitive tests). */
  async warm(): Promise<void> {
    if (this.instances.size > 0) return;
    await this.spawn().ready;
  }

  async invoke(event: unknown): Promise<unknown> {
    if (this.closed) throw stopped();
    const instance = await this.acquire();
    const id = ++this.nextId;
    const { worker } = instance;
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    try {
      await instance.ready;
      // Stopped (or crashed at init) meanwhile: its exit came before the listeners below, which would wait
      // for the function's whole timeout and keep the test process alive.
      if (this.closed) throw stopped();
      if (instance.exited) throw new FunctionError({ errorType: 'Runtime.ExitError', errorMessage: `${this.spec.key}: the instance exited`, trace: [] });
      return await new Promise<unknown>((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          worker.off('message', onMessage);
          worker.off('error', onCrash);
          worker.off('exit', onExit);
        };
        const onMessage = (message: { id: number; result?: unknown; error?: FunctionError['runtimeError'] }): void => {
          if (message.id !== id) return;
          done();
          if (message.error) reject(new FunctionError(message.error));
          else resolve(message.result);
        };
        const onCrash = (error: Error): void => {
          done();
          reject(new FunctionError({ errorType: 'Runtime.ExitError', errorMessage: `${this.spec.key} crashed: ${error.message}`, trace: (error.stack ?? '').split('\n') }));
        };
        const onExit = (): void => {
          done();
          reject(new FunctionError({ errorType: 'Runtime.ExitError', errorMessage: `${this.spec.key}: the instance exited`, trace: [] }));
        };
        const timer = setTimeout(() => {
          done();
          void worker.terminate();
          reject(new FunctionError({ errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`, trace: [] }));
        }, timeoutMs);
        worker.on('message', onMessage);
        worker.once('error', onCrash);
        worker.once('exit', onExit);
        worker.postMessage({
          id,
          // JSON across the boundary, as the Lambda API carries it.
          event: JSON.parse(JSON.stringify(event ?? null)),
          context: { functionName: this.spec.functionName, awsRequestId: randomUUID(), invokedFunctionArn: this.spec.arn, memoryLimitInMB: String(this.spec.memorySize), deadline: Date.now() + timeoutMs },
        });
      });
    } catch (error) {
      if (error instanceof FunctionError) this.hooks.onError?.(error);
      throw error;
    } finally {
      this.release(instance);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all([...this.instances].map((instance) => instance.worker.terminate()));
    this.instances.clear();
  }
}

function stopped(): FunctionError {
  return new FunctionError({ errorType: 'Lambda.ServiceException', errorMessage: 'the local stack is stopped', trace: [] });
}
