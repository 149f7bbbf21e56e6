/**
 * README, "How it works" (7): every Lambda task retries Lambda's transient errors, AWS throttling is retried
 * by the state machine too (GrantThrottled) where AWS is called, and every failure path is caught. Held
 * against the ASL file the stack deploys.
 */
import { join } from 'node:path';
import { loadDefinition } from '../../local/stepfunctions/load-definition.js';

interface TaskState {
  Type: string;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[] }[];
}

const LAMBDA_TRANSIENT = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
const states = Object.entries(loadDefinition(join(__dirname, '../../statemachines/access-request.asl.yaml')).States as unknown as Record<string, TaskState>);
const tasks = states.filter(([, state]) => state.Type === 'Task');

it('has tasks', () => {
  expect(tasks.length).toBeGreaterThan(10);
});

it.each(tasks.map(([name]) => name))('%s retries Lambda’s transient errors and catches every error', (name) => {
  const state = Object.fromEntries(tasks)[name] as TaskState;
  const retried = (state.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals);
  expect(retried).toEqual(expect.arrayContaining(LAMBDA_TRANSIENT));
  expect((state.Catch ?? []).flatMap((catcher) => catcher.ErrorEquals)).toContain('States.ALL');
});

it.each(['Grant ingress', 'Check grant status', 'Revoke access', 'Check revoke'])('%s retries AWS throttling (GrantThrottled)', (name) => {
  const state = Object.fromEntries(tasks)[name] as TaskState;
  expect((state.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals)).toContain('GrantThrottled');
});
