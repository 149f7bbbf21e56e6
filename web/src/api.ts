/** The JSON API, same origin, with the signed-in person's bearer token; its errors as ApiError. */
import { accessToken, signIn } from './auth.js';

export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }
}

export interface ApiReply<T> {
  status: number;
  body: T | undefined;
  etag: string | null;
}

export async function api<T>(method: string, path: string, options: { json?: unknown; etag?: string } = {}): Promise<ApiReply<T>> {
  const token = accessToken();
  if (!token) return signIn();
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (options.json !== undefined) headers['Content-Type'] = 'application/json';
  if (options.etag) headers['If-None-Match'] = options.etag;
  const response = await fetch(path, { method, headers, ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}) });
  if (response.status === 401) return signIn();
  if (response.status === 304) return { status: 304, body: undefined, etag: response.headers.get('ETag') };
  const body = (await response.json().catch(() => undefined)) as (T & { message?: string; details?: FieldProblem[] }) | undefined;
  if (!response.ok) throw new ApiError(response.status, body?.message ?? `The API answered ${response.status}`, body?.details ?? []);
  return { status: response.status, body, etag: response.headers.get('ETag') };
}

export function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}
