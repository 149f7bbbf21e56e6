/**
 * The local Step Functions behaves as AWS documents it where aws-local-stepfunctions differs
 * (local/stepfunctions/runner.ts). Each test states the documented behaviour; small definitions, handlers
 * in this process (the runner takes any Lambda handler).
 */
import { LocalStepFunctions, lintDefinition, type LambdaHandler } from '../../../local/stepfunctions/runner.js';
import { localFunctionArn, type AslDefinition } from '../../../local/stepfunctions/load-definition.js';

const runners: LocalStepFunctions[] = [];

afterEach(async () => {
  jest.useRealTimers();
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

function runner(States: AslDefinition['States'], handlers: Record<string, LambdaHandler>): LocalStepFunctions {
  const created = new LocalStepFunctions({ definition: { StartAt: Object.keys(States)[0] ?? '', States }, stateMachineName: 'semantics', handlers });
  runners.push(created);
  return created;
}

const task = (next: Record<string, unknown> = { End: true }, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ Type: 'Task', Resource: localFunctionArn('Fn'), ...extra, ...next });

async function sfn(url: string, action: string, body: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const reply = await fetch(url, { method: 'POST', headers: { 'x-amz-target': `AWSStepFunctions.${action}`, 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify(body) });
  return { status: reply.status, body: (await reply.json()) as Record<string, unknown> };
}

it('a Task without TimeoutSeconds has no timeout (AWS: none by default; the library would fail it after 60 s)', async () => {
  jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });
  let finish: (value: unknown) => void = () => undefined;
  const machine = runner({ Slow: task() }, { Fn: () => new Promise((resolve) => (finish = resolve)) });
  const execution = machine.start('slow', {});
  await jest.advanceTimersByTimeAsync(10 * 60_000);
  expect(execution.status).toBe('RUNNING');
  finish({ ok: true });
  jest.useRealTimers();
  await execution.done;
  expect(execution).toMatchObject({ status: 'SUCCEEDED', output: { ok: true } });
});

it("a failed execution is named by its error: the Fail state's Error and Cause, or the uncaught task error (not ExecutionError)", async () => {
  const failing = runner({ Stop: { Type: 'Fail', Error: 'Custom.Refused', Cause: 'no access today' } }, {});
  const stopped = failing.start('fail', {});
  await stopped.done;
  expect(stopped).toMatchObject({ status: 'FAILED', error: 'Custom.Refused', cause: 'no access today' });

  const throwing = runner({ Grant: task() }, { Fn: () => Promise.reject(Object.assign(new Error('the group is gone'), { name: 'GroupNotFound' })) });
  const thrown = throwing.start('throw', {});
  await thrown.done;
  expect(thrown).toMatchObject({ status: 'FAILED', error: 'GroupNotFound' });
  expect(JSON.parse(thrown.cause ?? '{}')).toMatchObject({ errorType: 'GroupNotFound', errorMessage: 'the group is gone' });
});

it("a Lambda error's Cause is the runtime's JSON {errorType, errorMessage, trace} (what a Catch's ResultPath receives)", async () => {
  const machine = runner(
    { Grant: task({ Next: 'Done' }, { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Done' }] }), Done: { Type: 'Pass', End: true } },
    { Fn: () => Promise.reject(Object.assign(new Error('throttled'), { name: 'GrantThrottled' })) },
  );
  const execution = machine.start('cause', { requestId: 'r-1' });
  await execution.done;
  const { error } = execution.output as { error: { Error: string; Cause: string } };
  expect(error.Error).toBe('GrantThrottled');
  const cause = JSON.parse(error.Cause) as { errorType: string; errorMessage: string; trace: string[] };
  expect(cause).toMatchObject({ errorType: 'GrantThrottled', errorMessage: 'throttled' });
  expect(Array.isArray(cause.trace)).toBe(true);
});

it('HeartbeatSeconds of a callback task: no heartbeat in time fails it with States.HeartbeatTimeout; SendTaskHeartbeat keeps it alive', async () => {
  const tokens: string[] = [];
  const machine = runner(
    {
      Wait: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: localFunctionArn('Fn'), Payload: { 'token.$': '$$.Task.Token' } },
        HeartbeatSeconds: 1,
        Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.heartbeat', Next: 'Done' }],
        End: true,
      },
      Done: { Type: 'Pass', End: true },
    },
    { Fn: async (event) => void tokens.push((event as { token: string }).token) },
  );
  const url = await machine.listen(0);
  const execution = machine.start('heartbeat', {});
  while (tokens.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 600));
  expect((await sfn(url, 'SendTaskHeartbeat', { taskToken: tokens[0] })).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 600));
  expect(execution.status).toBe('RUNNING');
  await execution.done;
  expect(execution.output).toMatchObject({ heartbeat: { Error: 'States.HeartbeatTimeout' } });
});

it('a task result over 256 KB fails the execution with States.DataLimitExceeded, which States.ALL does not catch', async () => {
  const machine = runner(
    { Big: task({ Next: 'Done' }, { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Done' }] }), Done: { Type: 'Pass', End: true } },
    { Fn: async () => ({ blob: 'x'.repeat(300 * 1024) }) },
  );
  const execution = machine.start('big', {});
  await execution.done;
  expect(execution).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
});

it('an invalid TimeoutSecondsPath value fails with States.Runtime before the Lambda is invoked', async () => {
  const invoked: unknown[] = [];
  const machine = runner({ Wait: task({ End: true }, { TimeoutSecondsPath: '$.seconds', Parameters: { 'id.$': '$.id' } }) }, { Fn: async (event) => void invoked.push(event) });
  const execution = machine.start('timeout-path', { id: 'r-1', seconds: 0 });
  await execution.done;
  expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  expect(invoked).toEqual([]);
});

it('SendTaskHeartbeat with a malformed token answers InvalidToken (and one of a finished task, TaskTimedOut)', async () => {
  const machine = runner({ Done: { Type: 'Pass', End: true } }, {});
  const url = await machine.listen(0);
  expect(await sfn(url, 'SendTaskHeartbeat', { taskToken: 'not a token' })).toMatchObject({ status: 400, body: { __type: 'com.amazonaws.states#InvalidToken' } });
  expect(await sfn(url, 'SendTaskHeartbeat', { taskToken: `AQ${'a'.repeat(128)}` })).toMatchObject({ status: 400, body: { __type: 'com.amazonaws.states#TaskTimedOut' } });
});

it('what the local runner cannot run as AWS does is refused at load time, saying why', () => {
  expect(lintDefinition({ StartAt: 'A', States: { A: task({ End: true }, { HeartbeatSecondsPath: '$.h' }) } })).toEqual(['"A": HeartbeatSecondsPath is not enforced locally; use HeartbeatSeconds']);
  expect(() => runner({ A: { Type: 'Map', End: true } }, {})).toThrow(/"A": Map states are not run by the local stack's Step Functions/);
});
