/**
 * Turns a failed HTTP hand-over (Slack's Web API, a Slack webhook, the local mail outbox) into the
 * DeliveryFailed the durable delivery path acts on. Three kinds, because they call for different retries:
 *
 * - definitely not delivered, try again later: the connection was refused (or the name did not resolve),
 *   429 (with Retry-After when given): DeliveryFailed(retryable);
 * - maybe delivered: no answer in time, the connection broke, a 5xx: DeliveryUncertain (retryable; Slack
 *   looks for the earlier post before posting again);
 * - never deliverable as it is: any other 4xx: DeliveryFailed(not retryable).
 *
 * Messages never carry the URL (a webhook URL is a secret) or a token.
 */
import { DeliveryFailed, DeliveryUncertain } from '../errors.js';

/** Socket errors raised before any byte of the request left: the sink cannot have received it. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** fetch threw (or reading the answer did): refused is definite, anything else may have been delivered. */
export function fetchFailure(error: unknown, what: string, timeoutMs: number): DeliveryFailed {
  if (isTimeout(error)) return new DeliveryUncertain(`${what}: no answer within ${timeoutMs} ms`);
  const code = errorCode(error);
  if (code && NOT_SENT_CODES.has(code)) return new DeliveryFailed(`${what}: ${code}`, true);
  return new DeliveryUncertain(`${what}: ${code ?? (error instanceof Error ? error.name : 'network error')}`);
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), if it says anything usable. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** A non-2xx answer; `detail` is the sink's short error code when it gave one (never echoed URLs). */
export function httpFailure(response: Response, what: string, detail?: string): DeliveryFailed {
  const text = `${what}: HTTP ${response.status}${detail ? ` ${detail.slice(0, 80)}` : ''}`;
  if (response.status === 429) return new DeliveryFailed(text, true, retryAfterSeconds(response.headers.get('retry-after')));
  if (response.status >= 500) return new DeliveryUncertain(text);
  return new DeliveryFailed(text, false);
}
