/**
 * A local Step Functions: the ASL file run by aws-local-stepfunctions, behind a small HTTP endpoint that
 * speaks the Step Functions JSON protocol (StartExecution, SendTaskSuccess, SendTaskFailure,
 * SendTaskHeartbeat, DescribeExecution), so handlers use @aws-sdk/client-sfn unchanged.
 *
 * aws-local-stepfunctions has no `.waitForTaskToken`: for such a Task this runner invokes the Lambda
 * named in Parameters.FunctionName with a fresh task token in place of `$$.Task.Token`, and completes
 * the state when SendTaskSuccess/SendTaskFailure arrives. The state's own TimeoutSeconds(Path) still
 * applies (the library enforces it); a token whose state has moved on answers TaskTimedOut, as AWS does.
 *
 * Where the library differs from Step Functions as AWS documents it, this runner follows AWS (each has a
 * test in test/integration/stepfunctions/aws-semantics.test.ts; docs/local-stack.md lists them):
 *   - a Task without TimeoutSeconds has no timeout (the library's default is 60 s);
 *   - a failed execution is named by its error (the Fail state's Error, the task's error, States.Runtime);
 *   - a Lambda error's Cause is the runtime's JSON {errorType, errorMessage, trace};
 *   - HeartbeatSeconds of a callback task is enforced (States.HeartbeatTimeout); what it cannot run the
 *     same way is refused when the definition is loaded (lintDefinition);
 *   - a state's input or a task's result over 256 KB fails with States.DataLimitExceeded;
 *   - an invalid TimeoutSecondsPath value fails the state before the Lambda is invoked;
 *   - SendTaskHeartbeat with a malformed token answers InvalidToken.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StateMachine } from 'aws-local-stepfunctions';
import { type AslDefinition, LOCAL_ACCOUNT, LOCAL_REGION, logicalIdOf } from './load-definition.js';

/** A Lambda handler as the runtime calls it. */
export type LambdaHandler = (event: unknown, context: object) => Promise<unknown>;

const TOKEN_PLACEHOLDER = '$$local-task-token$$';
const TIMEOUT_KEY = 'cachegateLocalTimeoutSeconds';
/** Step Functions' limit on a state's input or output, and on a task's result (UTF-8 bytes). */
export const STATE_DATA_LIMIT_BYTES = 256 * 1024;
/**
 * AWS's default TimeoutSeconds of a Task is 99999999 s (none, in effect). Timers cannot go past 2^31-1 ms,
 * so locally "none" is the longest timer Node can set: about 24.8 days.
 */
const NO_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * What the library cannot run as Step Functions does: refused at load time, with the reason, rather than
 * run differently.
 */
export function lintDefinition(definition: AslDefinition): string[] {
  const problems: string[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Map' || state.Type === 'Parallel') problems.push(`"${name}": ${String(state.Type)} states are not run by the local stack's Step Functions`);
    if (state.Type !== 'Task') continue;
    const callback = typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken');
    if (state.HeartbeatSecondsPath !== undefined) problems.push(`"${name}": HeartbeatSecondsPath is not enforced locally; use HeartbeatSeconds`);
    if (state.HeartbeatSeconds !== undefined && !callback) problems.push(`"${name}": HeartbeatSeconds is enforced locally only on .waitForTaskToken tasks`);
    if (typeof state.Resource === 'string' && state.Resource.startsWith('arn:aws:states:::') && !/^arn:aws:states:::lambda:invoke\.waitForTaskToken$/.test(state.Resource)) {
      problems.push(`"${name}": the service integration ${state.Resource} is not run by the local stack`);
    }
    for (const catcher of (state.Catch ?? []) as { ErrorEquals: string[] }[]) {
      if (catcher.ErrorEquals.includes('States.DataLimitExceeded') || catcher.ErrorEquals.includes('States.Runtime')) {
        problems.push(`"${name}": catching States.DataLimitExceeded or States.Runtime is not supported locally (the local runner treats both as terminal)`);
      }
    }
  }
  return problems;
}

/** A terminal error: no Retry or Catch applies (States.Runtime, States.DataLimitExceeded). */
function terminalError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, isRetryable: false, isCatchable: false });
}

/**
 * The library may fail a state on its own (e.g. its TimeoutSecondsPath check) before it awaits the task's
 * promise: mark the promise handled so its rejection is not reported as unhandled; the library still sees it.
 */
function handled(run: () => Promise<unknown>): Promise<unknown> {
  const promise = run();
  promise.catch(() => undefined);
  return promise;
}

function checkDataLimit(what: string, value: unknown): void {
  const size = Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
  if (size > STATE_DATA_LIMIT_BYTES) throw terminalError('States.DataLimitExceeded', `The ${what} has a size of ${size} bytes, which exceeds the maximum of ${STATE_DATA_LIMIT_BYTES} bytes`);
}

/**
 * aws-local-stepfunctions evaluates TimeoutSecondsPath against the state's input *after* Parameters;
 * Step Functions evaluates it against the state input. To run the same ASL with AWS's meaning, a Task
 * with both gets a hidden Parameters entry carrying the timeout, which the runner strips before the
 * Lambda sees its input.
 */
function withAwsTimeoutSemantics(definition: AslDefinition): AslDefinition {
  const states: AslDefinition['States'] = {};
  for (const [name, state] of Object.entries(definition.States)) {
    const path = state.TimeoutSecondsPath;
    const parameters = state.Parameters;
    if (state.Type === 'Task' && typeof path === 'string' && parameters && typeof parameters === 'object') {
      states[name] = { ...state, Parameters: { ...parameters, [`${TIMEOUT_KEY}.$`]: path }, TimeoutSecondsPath: `$.${TIMEOUT_KEY}` };
    } else if (state.Type === 'Task' && state.TimeoutSeconds === undefined && path === undefined) {
      states[name] = { ...state, TimeoutSeconds: NO_TIMEOUT_SECONDS };
    } else states[name] = state;
  }
  return { ...definition, States: states };
}

function withoutTimeoutKey(input: unknown): unknown {
  if (!input || typeof input !== 'object' || !(TIMEOUT_KEY in input)) return input;
  const { [TIMEOUT_KEY]: timeout, ...rest } = input as Record<string, unknown>;
  // Step Functions checks the value before it starts the task; the library only after invoking it.
  if (!Number.isInteger(timeout) || (timeout as number) < 1 || (timeout as number) > 99999999) {
    throw terminalError('States.Runtime', `The value of the field 'TimeoutSecondsPath' resolved to an invalid value: ${JSON.stringify(timeout)}`);
  }
  return rest;
}

export interface ExecutionRecord {
  executionArn: string;
  name: string;
  input: unknown;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  startDate: Date;
  stopDate?: Date;
  output?: unknown;
  error?: string;
  cause?: string;
  /** Every state entered, in order: the state transitions this execution made. */
  statesEntered: string[];
  done: Promise<void>;
}

export interface StateChange {
  execution: ExecutionRecord;
  state: string;
  kind: 'entered' | 'failed' | 'caught' | 'retried';
  error?: string;
}

export interface LocalStepFunctionsOptions {
  definition: AslDefinition;
  stateMachineName: string;
  /** Lambda handlers by CloudFormation logical id (e.g. RecordRequestLambdaFunction). */
  handlers: Record<string, LambdaHandler>;
  /** Wait state durations in milliseconds, by state name (the ASL's own values otherwise). */
  waitTimeOverrides?: Record<string, number>;
  /** Pause before each Retry, by state name (ms); tests set 0. */
  retryIntervalOverrides?: Record<string, number>;
  onStateChange?: (change: StateChange) => void;
  /** The IAM check of each API call (local/iam): the AccessDenied message, or undefined to allow. */
  authorize?: (headers: IncomingMessage['headers'], action: string, resource: string) => string | undefined;
}

interface OpenTask {
  executionName: string;
  state: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  /** HeartbeatSeconds: restarted by each SendTaskHeartbeat. */
  heartbeat?: { seconds: number; timer?: NodeJS.Timeout };
}

/** StartExecution's input is at most 256 KB (UTF-8), like every state's. */
function checkInputSize(input: unknown): void {
  if (typeof input === 'string' && Buffer.byteLength(input, 'utf8') > STATE_DATA_LIMIT_BYTES) {
    throw new SfnError('InvalidExecutionInput', `Invalid execution input: larger than ${STATE_DATA_LIMIT_BYTES} bytes`);
  }
}

class SfnError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function lambdaContext(functionName: string): object {
  return {
    functionName,
    awsRequestId: randomUUID(),
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`,
    getRemainingTimeInMillis: () => 900_000,
    callbackWaitsForEmptyEventLoop: false,
  };
}

/**
 * A function's error as Step Functions reports it: Error is the runtime's errorType, Cause the runtime's
 * JSON { errorType, errorMessage, trace } (the library puts the message in Cause).
 */
function asLambdaError(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  if ('isCatchable' in original) return original;
  const runtimeError = (original as { runtimeError?: unknown }).runtimeError ?? { errorType: original.name, errorMessage: original.message, trace: (original.stack ?? '').split('\n') };
  const crossed = new Error(JSON.stringify(runtimeError));
  crossed.name = original.name;
  return crossed;
}

export class LocalStepFunctions {
  readonly stateMachineArn: string;
  private readonly machine: StateMachine;
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly openTasks = new Map<string, OpenTask>();
  private readonly aborts = new Map<string, () => void>();
  private readonly failures = new Map<string, SfnError>();
  private server: Server | undefined;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    const problems = lintDefinition(options.definition);
    if (problems.length > 0) throw new Error(`The state machine ${options.stateMachineName} uses what the local stack cannot run as AWS does:\n  ${problems.join('\n  ')}`);
    this.stateMachineArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${options.stateMachineName}`;
    this.machine = new StateMachine(withAwsTimeoutSemantics(options.definition) as never, { validationOptions: { checkArn: false } });
  }

  async listen(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    // Stop every running execution where it is, as StopExecution would: no further state runs.
    for (const abort of this.aborts.values()) abort();
    // Settle the open callbacks too: the library's task timer (TimeoutSeconds) is cleared only when the
    // task's promise settles. The executions are aborted already, so no Catch runs after this.
    for (const task of this.openTasks.values()) {
      clearTimeout(task.heartbeat?.timer);
      task.reject(Object.assign(new Error('local stack stopped'), { name: 'States.Runtime' }));
    }
    this.openTasks.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await Promise.allSettled([...this.executions.values()].map((execution) => execution.done));
  }

  /** Every later call of `action` fails with this error, as Step Functions would during an outage (clearFailure ends it). */
  injectFailure(action: string, type: string, message: string, status = 500): void {
    this.failures.set(action, new SfnError(type, message, status));
  }

  clearFailure(action: string): void {
    this.failures.delete(action);
  }

  execution(name: string): ExecutionRecord | undefined {
    return this.executions.get(name);
  }

  executionsList(): ExecutionRecord[] {
    return [...this.executions.values()];
  }

  private taskOverrides(executionName: string): Record<string, (input: unknown) => Promise<unknown>> {
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, state] of Object.entries(this.options.definition.States)) {
      if (state.Type !== 'Task' || typeof state.Resource !== 'string') continue;
      const resource = state.Resource;
      const heartbeatSeconds = typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined;
      if (resource.endsWith('.waitForTaskToken')) {
        overrides[stateName] = (input) => handled(async () => this.invokeWithCallback(executionName, stateName, withoutTimeoutKey(input), heartbeatSeconds));
      } else {
        const logicalId = logicalIdOf(resource);
        if (logicalId) overrides[stateName] = (input) => handled(async () => this.invoke(logicalId, withoutTimeoutKey(input)));
      }
    }
    return overrides;
  }

  private async invoke(logicalId: string, input: unknown): Promise<unknown> {
    const handler = this.options.handlers[logicalId];
    if (!handler) throw Object.assign(new Error(`No local handler for ${logicalId}`), { name: 'Lambda.ResourceNotFoundException' });
    checkDataLimit('state input', input);
    let result: unknown;
    try {
      // JSON both ways, as across the real Lambda boundary.
      result = await handler(JSON.parse(JSON.stringify(input ?? null)), lambdaContext(logicalId));
    } catch (error) {
      throw asLambdaError(error);
    }
    checkDataLimit('task result', result);
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  }

  private invokeWithCallback(executionName: string, state: string, input: unknown, heartbeatSeconds?: number): Promise<unknown> {
    const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: string; Payload?: unknown };
    const logicalId = typeof FunctionName === 'string' ? logicalIdOf(FunctionName) : undefined;
    if (!logicalId) return Promise.reject(Object.assign(new Error(`Unknown FunctionName ${String(FunctionName)}`), { name: 'Lambda.ResourceNotFoundException' }));
    // Real task tokens are long opaque strings; so are these.
    const token = `AQ${randomBytes(96).toString('base64url')}`;
    const payload = JSON.parse(JSON.stringify(Payload ?? {}).split(JSON.stringify(TOKEN_PLACEHOLDER).slice(1, -1)).join(token));
    return new Promise((resolve, reject) => {
      const task: OpenTask = { executionName, state, resolve, reject, ...(heartbeatSeconds !== undefined ? { heartbeat: { seconds: heartbeatSeconds } } : {}) };
      this.openTasks.set(token, task);
      this.beat(token, task);
      this.invoke(logicalId, payload).catch((error: Error) => {
        this.closeTask(token);
        reject(error);
      });
    });
  }

  /** (Re)starts a callback task's heartbeat timer: no heartbeat within HeartbeatSeconds fails it. */
  private beat(token: string, task: OpenTask): void {
    if (!task.heartbeat) return;
    clearTimeout(task.heartbeat.timer);
    task.heartbeat.timer = setTimeout(() => {
      this.closeTask(token);
      task.reject(Object.assign(new Error('States.HeartbeatTimeout'), { name: 'States.HeartbeatTimeout' }));
    }, task.heartbeat.seconds * 1000);
  }

  private closeTask(token: string): void {
    clearTimeout(this.openTasks.get(token)?.heartbeat?.timer);
    this.openTasks.delete(token);
  }

  private closeTasksOf(executionName: string, state?: string): void {
    for (const [token, task] of this.openTasks) {
      if (task.executionName === executionName && (state === undefined || task.state === state)) this.closeTask(token);
    }
  }

  start(name: string, input: unknown): ExecutionRecord {
    const existing = this.executions.get(name);
    if (existing) {
      if (existing.status === 'RUNNING' && JSON.stringify(existing.input) === JSON.stringify(input)) return existing;
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
    }
    const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${this.options.stateMachineName}:${name}`;
    const startDate = new Date();
    const run = this.machine.run(input as never, {
      noThrowOnAbort: true,
      overrides: {
        taskResourceLocalHandlers: this.taskOverrides(name) as never,
        waitTimeOverrides: this.options.waitTimeOverrides ?? {},
        retryIntervalOverrides: this.options.retryIntervalOverrides ?? {},
      },
      context: {
        Execution: { Id: executionArn, Name: name, Input: input as never, StartTime: startDate.toISOString(), RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local` },
        StateMachine: { Id: this.stateMachineArn, Name: this.options.stateMachineName },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
    });
    const record: ExecutionRecord = { executionArn, name, input, status: 'RUNNING', startDate, statesEntered: [], done: Promise.resolve() };
    this.aborts.set(name, () => {
      record.status = 'ABORTED';
      run.abort();
    });
    const follow = async (): Promise<void> => {
      for await (const event of run.eventLogs) {
        const { type, state, Error: error } = event as { type: string; state?: { name: string }; Error?: string };
        if (type === 'ExecutionFailed') {
          // The execution's error is what ended it: the Fail state's Error, the task's error, States.Runtime.
          const failed = event as { Error?: string; Cause?: string };
          record.error = failed.Error;
          record.cause = failed.Cause;
        }
        if (!state) continue;
        if (type === 'StateEntered') {
          record.statesEntered.push(state.name);
          this.options.onStateChange?.({ execution: record, state: state.name, kind: 'entered' });
        } else if (type === 'StateFailed' || type === 'StateExited') {
          this.closeTasksOf(name, state.name);
          if (type === 'StateFailed') this.options.onStateChange?.({ execution: record, state: state.name, kind: 'failed', ...(error ? { error } : {}) });
        }
      }
    };
    record.done = Promise.all([
      run.result.then(
        (output: unknown) => {
          if (record.status === 'ABORTED') return;
          record.status = 'SUCCEEDED';
          record.output = output;
        },
        (error: Error & { cause?: unknown }) => {
          record.status = 'FAILED';
          const failure = error.cause instanceof Error ? error.cause : error;
          record.error ??= failure.name;
          record.cause ??= failure.message;
        },
      ),
      follow().catch(() => undefined),
    ]).then(() => {
      record.stopDate = new Date();
      this.aborts.delete(name);
      this.closeTasksOf(name);
    });
    this.executions.set(name, record);
    return record;
  }

  private completeTask(token: unknown, outcome: { output: unknown } | { error: Error }): void {
    if (typeof token !== 'string' || token.length < 1 || token.length > 2048) throw new SfnError('InvalidToken', 'Invalid Token');
    const task = this.openTasks.get(token);
    if (!task) {
      if (!token.startsWith('AQ')) throw new SfnError('InvalidToken', 'Invalid Token');
      throw new SfnError('TaskTimedOut', 'Task Timed Out');
    }
    this.closeTask(token);
    if ('output' in outcome) task.resolve(outcome.output);
    else task.reject(outcome.error);
  }

  private dispatch(action: string, body: Record<string, unknown>): unknown {
    switch (action) {
      case 'StartExecution': {
        if (body.stateMachineArn !== this.stateMachineArn) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`);
        const name = typeof body.name === 'string' ? body.name : randomUUID();
        if (!/^[0-9A-Za-z_-]{1,80}$/.test(name)) throw new SfnError('InvalidName', `Invalid Name: '${name}'`);
        let input: unknown = {};
        try {
          input = body.input === undefined ? {} : JSON.parse(String(body.input));
        } catch {
          throw new SfnError('InvalidExecutionInput', 'Invalid execution input: not JSON');
        }
        checkInputSize(body.input);
        const execution = this.start(name, input);
        return { executionArn: execution.executionArn, startDate: execution.startDate.getTime() / 1000 };
      }
      case 'SendTaskSuccess': {
        let output: unknown;
        try {
          output = JSON.parse(String(body.output));
        } catch {
          throw new SfnError('InvalidOutput', 'Invalid output: not JSON');
        }
        this.completeTask(body.taskToken, { output });
        return {};
      }
      case 'SendTaskFailure': {
        const error = new Error(typeof body.cause === 'string' ? body.cause : '');
        error.name = typeof body.error === 'string' && body.error ? body.error : 'States.TaskFailed';
        this.completeTask(body.taskToken, { error });
        return {};
      }
      case 'SendTaskHeartbeat': {
        const token = body.taskToken;
        if (typeof token !== 'string' || token.length < 1 || token.length > 2048 || !token.startsWith('AQ')) throw new SfnError('InvalidToken', 'Invalid Token');
        const task = this.openTasks.get(token);
        if (!task) throw new SfnError('TaskTimedOut', 'Task Timed Out');
        this.beat(token, task);
        return {};
      }
      case 'DescribeExecution': {
        const execution = [...this.executions.values()].find((e) => e.executionArn === body.executionArn);
        if (!execution) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(body.executionArn)}'`);
        return {
          executionArn: execution.executionArn,
          stateMachineArn: this.stateMachineArn,
          name: execution.name,
          status: execution.status,
          startDate: execution.startDate.getTime() / 1000,
          ...(execution.stopDate ? { stopDate: execution.stopDate.getTime() / 1000 } : {}),
          input: JSON.stringify(execution.input),
          ...(execution.output !== undefined ? { output: JSON.stringify(execution.output) } : {}),
          ...(execution.error ? { error: execution.error, cause: execution.cause } : {}),
        };
      }
      default:
        throw new SfnError('UnknownOperationException', `Unknown operation ${action}`);
    }
  }

  /** The resource IAM evaluates an action against (the state machine for task tokens: docs/local-stack.md). */
  private resourceOf(action: string, body: Record<string, unknown>): string {
    if (action === 'StartExecution') return String(body.stateMachineArn ?? '');
    if (action === 'DescribeExecution' || action === 'StopExecution') return String(body.executionArn ?? '');
    return this.stateMachineArn;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
    let status = 200;
    let payload: unknown;
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const denied = this.options.authorize?.(req.headers, `states:${action}`, this.resourceOf(action, body));
      if (denied !== undefined) throw new SfnError('AccessDeniedException', denied);
      const failure = this.failures.get(action);
      if (failure) throw failure;
      payload = this.dispatch(action, body);
    } catch (error) {
      const known = error instanceof SfnError ? error : new SfnError('InternalFailure', 'Internal failure', 500);
      status = known.status;
      payload = { __type: `com.amazonaws.states#${known.type}`, message: known.message };
    }
    res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': randomUUID() });
    res.end(JSON.stringify(payload));
  }
}
