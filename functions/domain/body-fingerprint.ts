/**
 * The fingerprint of a request body, for Idempotency-Key reuse: two bodies are the same request when their
 * canonical JSON is equal (keys sorted at every level, no insignificant whitespace), so `{"a":1,"b":2}` and
 * `{ "b": 2, "a": 1 }` match and a changed value does not. For values that came from JSON.parse this is
 * RFC 8785 (JCS): JSON.stringify already writes strings and numbers the way JCS does, and sorting keys by
 * UTF-16 code units is JavaScript's default sort. Ten lines; a dependency would add nothing.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function bodyFingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('base64url');
}
