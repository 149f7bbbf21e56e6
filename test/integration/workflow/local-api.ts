/** Driving the local stack over HTTP the way a person's client would. */
import type { LocalStack } from '../../../local/stack.js';
import { checkAnswer } from '../../support/openapi.js';

const FINAL = ['ENDED', 'DENIED', 'EXPIRED', 'FAILED', 'CANCELLED'];

export interface ApiReply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export async function call<T = Record<string, unknown>>(
  stack: LocalStack,
  method: string,
  path: string,
  options: { as?: string; json?: unknown; form?: Record<string, string>; headers?: Record<string, string>; raw?: string } = {},
): Promise<ApiReply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.as) headers.authorization = `Bearer ${stack.tokens[options.as] ?? options.as}`;
  let body: string | undefined = options.raw;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const response = await fetch(`${stack.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  checkAnswer(method, response.url, response.status, response.headers.get('content-type'), text);
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // HTML or text
  }
  return { status: response.status, body: parsed as T, headers: response.headers, text };
}

export interface RequestBody {
  id: string;
  status: string;
  history: { event: string; actor: string; status?: string; detail?: string }[];
  failureReason?: string;
  decidedBy: string[];
  [key: string]: unknown;
}

/** Polls GET /requests/{id} until the status is one of `statuses` (the workflow runs asynchronously). */
export async function waitForStatus(stack: LocalStack, id: string, statuses: string[], as = 'alice@example.com', timeoutMs = 15000): Promise<RequestBody> {
  const until = Date.now() + timeoutMs;
  let last: RequestBody | undefined;
  while (Date.now() < until) {
    const reply = await call<RequestBody>(stack, 'GET', `/requests/${id}`, { as });
    last = reply.body;
    if (statuses.includes(last.status)) {
      // A final status ends the execution: let it finish. ACTIVE holds until the access ends.
      if (FINAL.includes(last.status)) await stack.stepFunctions.execution(id)?.done;
      return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`request ${id} never reached ${statuses.join('/')}; last: ${JSON.stringify(last, null, 1)}`);
}

/** The approval link the approver was emailed for this request. */
export async function approvalLinkFor(stack: LocalStack, approver: string, requestId: string, timeoutMs = 5000): Promise<string> {
  const message = await stack.outbox.waitFor(
    (m) => m.channel === 'email' && m.to.includes(approver) && m.links.some((l) => l.includes('/approvals/')) && (m.text.includes(requestId) || m.links.some((l) => l.includes(requestId))),
    timeoutMs,
  );
  const link = message.links.find((l) => l.includes('/approvals/'));
  if (!link) throw new Error('no approval link');
  return link.slice(stack.url.length);
}
