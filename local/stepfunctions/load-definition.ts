/**
 * Reads a state machine from statemachines/*.asl.yaml the way serverless-step-functions does, and
 * replaces each `Fn::GetAtt: [<LogicalId>, Arn]` with a Lambda ARN that names the logical id, so the
 * same file runs locally (see local/stepfunctions/runner.ts) and validates with asl-validator.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

export function localFunctionArn(logicalId: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

/** The logical id back from a local ARN (or undefined for any other resource). */
export function logicalIdOf(arn: string): string | undefined {
  const prefix = localFunctionArn('');
  return arn.startsWith(prefix) ? arn.slice(prefix.length) : undefined;
}

function substitute(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(substitute);
  if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt.length === 2 && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string') {
      return localFunctionArn(getAtt[0]);
    }
    return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, substitute(value)]));
  }
  return node;
}

export interface AslDefinition {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

export function loadDefinition(path: string): AslDefinition {
  return substitute(parse(readFileSync(path, 'utf8'))) as AslDefinition;
}
