/**
 * What the API returns, as the OpenAPI document describes it: the types are inferred from the same valibot
 * schemas (openapi/responses.ts), so the app cannot drift from the documented answers. Type-only imports:
 * nothing of valibot or the schemas reaches the app's bundle.
 */
import type { InferOutput } from 'valibot';
import type { RequestPage as RequestPageSchema, RequestView, Targets } from '../../openapi/responses.js';

export type AccessRequest = InferOutput<typeof RequestView>;
export type HistoryEvent = AccessRequest['history'][number];
export type Decision = AccessRequest['approvals'][string];
export type RequestPage = InferOutput<typeof RequestPageSchema>;
export type TargetList = InferOutput<typeof Targets>;
export type Target = TargetList['items'][number];
