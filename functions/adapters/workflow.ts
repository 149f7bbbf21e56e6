/**
 * Step Functions: start an access request's execution, and resume (or fail) its approval wait. The execution name
 * is the request id, so a retried start cannot run the workflow twice.
 */
import { workflowConfig } from '../config.js';
import { awsJsonService, withRetries } from './aws-json-call.js';

// Step Functions' JSON protocol, as @aws-sdk/client-sfn speaks it (aws-json-call.ts says why not the
// client; the tests compare the requests), retried as the SDK's standard mode retries.
const service = /* @__PURE__ */ awsJsonService('states', 'AWSStepFunctions', 'Step Functions', 'stepFunctions', undefined, { jsonVersion: '1.0' });
const stepFunctions = <Reply>(operation: string, input: object): Promise<Reply> => withRetries(() => service.call<Reply>(operation, input));

export interface WorkflowInput {
  requestId: string;
}

export type ResumeResult = 'resumed' | 'already-closed';

async function closedIsFine(send: () => Promise<unknown>): Promise<ResumeResult> {
  try {
    await send();
    return 'resumed';
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist') return 'already-closed';
    throw error;
  }
}

export const workflow = {
  async start(input: WorkflowInput): Promise<void> {
    try {
      await stepFunctions('StartExecution', { stateMachineArn: workflowConfig().stateMachineArn, name: input.requestId, input: JSON.stringify(input) });
    } catch (error) {
      // Same name, different or closed execution: this request's workflow already started.
      if ((error as Error).name === 'ExecutionAlreadyExists') return;
      throw error;
    }
  },

  /**
   * Resumes the approval wait with the decision. TaskTimedOut / TaskDoesNotExist mean the wait is over
   * already (decided, expired, or cancelled): not a failure of this call.
   */
  async resume(taskToken: string, output: unknown): Promise<ResumeResult> {
    return closedIsFine(() => stepFunctions('SendTaskSuccess', { taskToken, output: JSON.stringify(output) }));
  },

  /** Whether the request's execution (named after it) is still running; false when it ended or never existed. */
  async isRunning(requestId: string): Promise<boolean> {
    // The execution ARN is the state machine's, with `execution` and the execution's name.
    const executionArn = `${workflowConfig().stateMachineArn.replace(':stateMachine:', ':execution:')}:${requestId}`;
    try {
      const { status } = await stepFunctions<{ status?: string }>('DescribeExecution', { executionArn });
      return status === 'RUNNING';
    } catch (error) {
      if ((error as Error).name === 'ExecutionDoesNotExist') return false;
      throw error;
    }
  },

  /** Ends the approval wait with a named error (the state machine's Catch routes it, e.g. RequestCancelled). */
  async fail(taskToken: string, error: string, cause: string): Promise<ResumeResult> {
    return closedIsFine(() => stepFunctions('SendTaskFailure', { taskToken, error, cause }));
  },
};
