/**
 * The OpenAPI 3.1 description of every route, derived from the schemas the functions validate with
 * (functions/domain: request bodies, forms, queries) and the response schemas (openapi/responses.ts).
 * Built with the web app (web/build.ts) and served next to it as /openapi.json, so no function carries
 * the JSON Schema converter.
 */
import { toJsonSchema, toJsonSchemaDefs, type ConversionConfig } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { decisionFields, endFields } from '../functions/domain/action-bodies.js';
import { auditQueryFields } from '../functions/domain/audit-query.js';
import { listQueryFields } from '../functions/domain/list-query.js';
import { RequestId } from '../functions/domain/access-request.js';
import { classicRequestFields, extensionRequestFields, IdempotencyKey, vpcRequestFields } from '../functions/domain/request-rules.js';
import { DecisionResult, ErrorBody, GatewayError, RequestPage, RequestView, Submitted, Targets } from './responses.js';

/** Named schemas: components.schemas, referenced from the routes. */
const components = {
  ClassicRequest: v.pipe(v.strictObject(classicRequestFields), v.description('Ask for access to a cache security group (EC2-Classic)')),
  VpcRequest: v.pipe(
    v.strictObject(vpcRequestFields),
    v.description('Ask for access to a replication group or cluster (VPC): replicationGroupId or cacheClusterId, not both'),
  ),
  ExtensionRequest: v.strictObject(extensionRequestFields),
  EndRequest: v.strictObject(endFields),
  DecisionRequest: v.strictObject(decisionFields),
  RequestView,
  RequestPage,
  Submitted,
  DecisionResult,
  Targets,
  Error: ErrorBody,
  GatewayError,
};
type Component = keyof typeof components;

const config: ConversionConfig = {
  target: 'draft-2020-12',
  // What a client sends: each field up to its first transformation (lowercasing, trimming, parsing a number).
  typeMode: 'input',
  // Rules JSON Schema cannot say (visible text, cross-field rules) are the API's own; its 400 names them.
  errorMode: 'ignore',
  definitions: components,
  overrideRef: ({ referenceId }) => `#/components/schemas/${referenceId}`,
};

const schemaOf = (schema: v.GenericSchema) => {
  const { $schema: _draft, $defs: _defs, ...json } = toJsonSchema(schema, config);
  return json;
};
const ref = (name: Component) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: object) => ({ 'application/json': { schema } });

type Auth = 'jwt' | 'link' | 'slack';
interface Route {
  method: 'get' | 'post';
  path: string;
  summary: string;
  auth: Auth;
  query?: v.ObjectEntries;
  headers?: v.ObjectEntries;
  body?: { required: boolean; content: Record<string, { schema: object }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: object }>; headers?: Record<string, object> }>;
}

const error = (description: string) => ({ description, content: jsonContent(ref('Error')) });
const jwtErrors = {
  '401': { description: 'No valid token (API Gateway)', content: jsonContent(ref('GatewayError')) },
  '403': error('The token does not name a verified email, or the caller may not do this'),
};
/** A body cachegate refused (Error), or a path API Gateway could not decode (its own { message }). */
const badRequest = (description: string) => ({
  description: `${description}; or the path is not valid percent-encoding (API Gateway)`,
  content: jsonContent({ anyOf: [ref('Error'), ref('GatewayError')] }),
});
const bodyErrors = { '413': error('The body is over 16 KB'), '415': error('The body is not of a type the route takes') };
const html = { 'text/html': { schema: { type: 'string' } } };

const routes: Route[] = [
  {
    method: 'post',
    path: '/requests',
    summary: 'Ask for access; the requester is the token’s identity. Optional Idempotency-Key header.',
    auth: 'jwt',
    headers: { 'Idempotency-Key': IdempotencyKey },
    body: { required: true, content: jsonContent({ oneOf: [ref('ClassicRequest'), ref('VpcRequest')] }) },
    responses: {
      '202': { description: 'Submitted; the workflow asks the approvers', content: jsonContent(ref('Submitted')), headers: { Location: { schema: { type: 'string' } } } },
      '400': error('A field is not valid (each named in details)'),
      ...jwtErrors,
      '404': error('The cache does not exist'),
      '409': error('An open request for this target exists'),
      ...bodyErrors,
      '422': error('The target cannot take a grant now (no managed group, quota, an equal rule outside cachegate)'),
      '503': error('AWS is throttling; send the same request again after Retry-After'),
    },
  },
  {
    method: 'get',
    path: '/requests',
    summary: 'The caller’s requests, or (with status, without mine) the approvers’ queue; newest first, paged.',
    auth: 'jwt',
    query: listQueryFields,
    responses: { '200': { description: 'A page', content: jsonContent(ref('RequestPage')) }, '400': error('A parameter is not valid'), ...jwtErrors },
  },
  {
    method: 'get',
    path: '/requests/{id}',
    summary: 'One request with its history; If-None-Match gets a 304 while nothing changed.',
    auth: 'jwt',
    responses: {
      '200': { description: 'The request', content: jsonContent(ref('RequestView')), headers: { ETag: { schema: { type: 'string' } } } },
      '304': { description: 'Not changed since the ETag sent' },
      '400': badRequest('Never for a well-formed id'),
      ...jwtErrors,
      '404': error('No such request the caller can see'),
    },
  },
  ...(['cancel', 'revoke'] as const).map(
    (action): Route => ({
      method: 'post',
      path: `/requests/{id}/${action}`,
      summary: action === 'cancel' ? 'The requester withdraws a pending request.' : 'The requester or an approver ends ACTIVE access now.',
      auth: 'jwt',
      body: { required: false, content: jsonContent(ref('EndRequest')) },
      responses: {
        [action === 'cancel' ? '200' : '202']: { description: action === 'cancel' ? 'Cancelled' : 'Revoking', content: jsonContent(ref('RequestView')) },
        '400': badRequest('The body is not valid'),
        ...jwtErrors,
        ...bodyErrors,
        '404': error('No such request the caller can see'),
        '409': error(action === 'cancel' ? 'Already decided' : 'Not ACTIVE'),
      },
    }),
  ),
  {
    method: 'post',
    path: '/requests/{id}/extend',
    summary: 'The requester asks for more time: a decision round of its own.',
    auth: 'jwt',
    body: { required: true, content: jsonContent(ref('ExtensionRequest')) },
    responses: {
      '202': { description: 'The round is open', content: jsonContent(ref('RequestView')) },
      '400': badRequest('A field is not valid'),
      ...jwtErrors,
      ...bodyErrors,
      '404': error('No such request the caller can see'),
      '409': error('Not ACTIVE, a round is open, or no extensions are left'),
    },
  },
  {
    method: 'post',
    path: '/requests/{id}/decision',
    summary: 'An approver decides from the web app (the same rules as the links).',
    auth: 'jwt',
    body: { required: true, content: jsonContent(ref('DecisionRequest')) },
    responses: {
      '200': { description: 'Recorded', content: jsonContent(ref('DecisionResult')) },
      '400': badRequest('A field is not valid'),
      ...jwtErrors,
      ...bodyErrors,
      '404': error('No such request the caller can see'),
      '409': error('Already decided, or this approver already decided'),
    },
  },
  {
    method: 'get',
    path: '/targets',
    summary: 'What the caller may ask for, with its approvers and durations.',
    auth: 'jwt',
    responses: { '200': { description: 'The targets', content: jsonContent(ref('Targets')) }, ...jwtErrors },
  },
  {
    method: 'get',
    path: '/audit/requests',
    summary: 'Every request matching the filters, newest first, paged (auditors only).',
    auth: 'jwt',
    query: auditQueryFields,
    responses: { '200': { description: 'A page', content: jsonContent(ref('RequestPage')) }, '400': error('A filter is not valid'), ...jwtErrors },
  },
  {
    method: 'get',
    path: '/approvals/{token}',
    summary: 'The review page of an approval link. Changes nothing.',
    auth: 'link',
    responses: {
      '200': { description: 'The page', content: html },
      '400': { description: 'The path is not valid percent-encoding (API Gateway)', content: jsonContent(ref('GatewayError')) },
      '403': { description: 'A tampered link', content: html },
      '404': { description: 'A link for a request that is gone', content: html },
      '410': { description: 'An expired link', content: html },
    },
  },
  {
    method: 'post',
    path: '/approvals/{token}',
    summary: 'Decide by an approval link, once. An HTML page, or JSON with Accept: application/json.',
    auth: 'link',
    body: {
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema: ref('DecisionRequest') }, 'application/json': { schema: ref('DecisionRequest') } },
    },
    responses: {
      '200': { description: 'Recorded', content: { ...jsonContent(ref('DecisionResult')), ...html } },
      '400': { description: 'A field is not valid, a field given twice, or (API Gateway) a path that is not valid percent-encoding', content: { ...jsonContent({ anyOf: [ref('Error'), ref('GatewayError')] }), ...html } },
      '413': { description: 'The body is over 16 KB', content: { ...jsonContent(ref('Error')), ...html } },
      '415': { description: 'Not a form (or JSON)', content: { ...jsonContent(ref('Error')), ...html } },
      '403': { description: 'A tampered link', content: { ...jsonContent(ref('Error')), ...html } },
      '404': { description: 'A link for a request that is gone', content: { ...jsonContent(ref('Error')), ...html } },
      '409': { description: 'Already used, or the request is decided', content: { ...jsonContent(ref('Error')), ...html } },
      '410': { description: 'Expired', content: { ...jsonContent(ref('Error')), ...html } },
    },
  },
  {
    method: 'post',
    path: '/slack/interactions',
    summary: 'Slack’s interactivity endpoint (signed by Slack).',
    auth: 'slack',
    body: {
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { payload: { type: 'string', description: 'Slack’s block_actions payload, JSON' } }, required: ['payload'] } } },
    },
    responses: { '200': { description: 'Acknowledged (empty)' }, '401': { description: 'Not signed by Slack (empty)' }, '413': error('Over 256 KB') },
  },
];

function parametersOf(route: Route): object[] {
  const path = route.path.includes('{id}') ? [{ name: 'id', in: 'path', required: true, schema: schemaOf(RequestId) }] : route.path.includes('{token}') ? [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }] : [];
  const query = Object.entries(route.query ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema: schemaOf(schema) }));
  const headers = Object.entries(route.headers ?? {}).map(([name, schema]) => ({ name, in: 'header', required: false, schema: schemaOf(schema) }));
  return [...path, ...query, ...headers];
}

const security: Record<Auth, object[]> = { jwt: [{ jwt: [] }], link: [], slack: [] };

export function openApiDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const parameters = parametersOf(route);
    (paths[route.path] ??= {})[route.method] = {
      summary: route.summary,
      security: security[route.auth],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: route.body } : {}),
      responses: route.responses,
    };
  }
  const { definitions: _self, ...defsConfig } = config;
  return {
    openapi: '3.1.0',
    info: { title: 'cachegate', version: '1', description: 'Approval-gated, time-bound network access to Amazon ElastiCache. Errors: { error, message, details: [{ field, message }] }.' },
    paths,
    components: {
      schemas: toJsonSchemaDefs(components, defsConfig),
      securitySchemes: { jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token of the issuer the API’s JWT authorizer trusts' } },
    },
  };
}
