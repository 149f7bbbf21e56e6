/**
 * The whole-suite check that no Step Functions task token ever leaves the store: every test file runs with
 * this (jest setupFilesAfterEach), and fails if a task token appears in anything the local stack logged
 * (every level: the stacks log at debug while this runs), anything a test fetched from it (API responses,
 * pages, the outbox), any email or Slack message it sent, or any stored item other than the token's own
 * (the request, its history, its links).
 *
 * Tokens are recognised two ways: exactly, from the store's TASK_TOKEN items when a stack stops (so a
 * fragment of one is caught too), and by shape, since the local Step Functions mints them as "AQ" and 128
 * base64url characters (so a token replaced since, e.g. by a reminder's new wait, is caught whole).
 */
import { onLocalStackStarted, type LocalStack } from '../../local/stack.js';
import { storedItems } from './stored-items.js';

const TOKEN_SHAPE = /(?<![A-Za-z0-9_-])AQ[A-Za-z0-9_-]{128}(?![A-Za-z0-9_-])/;
/** A fragment this long of a known token is a leak too. */
const FRAGMENT = 24;

const seen: { where: string; text: string }[] = [];
const knownTokens = new Set<string>();

function record(where: string, text: string): void {
  seen.push({ where, text });
}

function leaks(): string[] {
  const found: string[] = [];
  for (const { where, text } of seen) {
    if (TOKEN_SHAPE.test(text)) found.push(`${where}: ${text.slice(0, 300)}`);
    else for (const token of knownTokens) if (text.includes(token.slice(2, 2 + FRAGMENT)) || text.includes(token.slice(-FRAGMENT))) found.push(`${where}: ${text.slice(0, 300)}`);
  }
  return found;
}

// Checked when each stack stops (everything so far, against every token known so far) and once more after
// the file's last test (jest runs this file's afterAll before the test file's own, so a stack stopped there
// is checked by its stop).
function assertNoLeaks(): void {
  const found = leaks();
  if (found.length > 0) throw new Error(`A task token leaked (${found.length}):\n${found.slice(0, 5).join('\n')}`);
}

// Logs: capture every line; show only what the stack shows by default (errors) and anything not a log or EMF line.
process.env.LOCAL_STACK_LOG_LEVEL = 'debug';
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    // EMF lines (the product's metrics, functions/adapters/metrics.ts) are checked like debug lines;
    // Powertools Logger's lines (functions/logger.ts) start with their level.
    const level = text.startsWith('{"_aws":') ? 'DEBUG' : /^\{"level":"(TRACE|DEBUG|INFO|WARN|ERROR|CRITICAL)"/.exec(text)?.[1];
    if (level === undefined) return write(chunk, ...rest);
    record('log', text);
    if (level === 'ERROR' || level === 'CRITICAL') return write(chunk, ...rest);
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof stream.write;
}

// What tests fetched: every response body, and its headers.
const fetchOriginal = globalThis.fetch;
globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
  const response = await fetchOriginal(input, init);
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const text = await response.clone().text();
  record(`response of ${init?.method ?? 'GET'} ${url}`, `${JSON.stringify([...response.headers])}\n${text}`);
  return response;
};

onLocalStackStarted((stack: LocalStack) => {
  const stop = stack.stop.bind(stack);
  stack.stop = async (...options: Parameters<LocalStack['stop']>) => {
    const items = await storedItems(stack);
    for (const item of items) {
      if (item.sk === 'TASK_TOKEN' && typeof item.taskToken === 'string') knownTokens.add(item.taskToken);
      else record(`stored ${String(item.pk)} ${String(item.sk)}`, JSON.stringify(item));
    }
    for (const message of stack.outbox.messages()) record(`${message.channel} message to ${message.to.join(', ')}`, JSON.stringify(message));
    for (const call of stack.slack.calls()) record(`Slack ${call.method}`, JSON.stringify(call));
    await stop(...options);
    assertNoLeaks();
  };
});

afterAll(() => {
  assertNoLeaks();
});
