/**
 * GET /openapi.json: the OpenAPI 3.1 document describes every route serverless.yml deploys, the local
 * stack serves it as the web build does, and real answers match it.
 */
import { readFileSync } from 'node:fs';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { answerProblems, document } from '../../support/openapi.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ emulator: { propagationDelayMs: 0 } });
});

afterAll(async () => {
  await stack?.stop();
});

/** Every `httpApi` event of serverless.yml: method and path. */
function deployedRoutes(): [string, string][] {
  const yaml = readFileSync('serverless.yml', 'utf8');
  return [...yaml.matchAll(/httpApi:\s*\{\s*method:\s*(\w+),\s*path:\s*(?:'([^']+)'|([^,\s}]+))/g)].map((match) => [match[1]?.toLowerCase() ?? '', match[2] ?? match[3] ?? '']);
}

it('describes every route in serverless.yml, and nothing else', () => {
  const routes = deployedRoutes();
  expect(routes.length).toBeGreaterThanOrEqual(12);
  for (const [method, path] of routes) expect(document.paths[path]?.[method]).toBeDefined();
  const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`));
  expect(documented.sort()).toEqual(routes.map(([method, path]) => `${method} ${path}`).sort());
});

it('is OpenAPI 3.1 with a request or response schema where there is a body', () => {
  expect(document.openapi).toBe('3.1.0');
  const post = document.paths['/requests']?.post as unknown as { requestBody: { content: { 'application/json': { schema: { oneOf: unknown[] } } } } };
  expect(post.requestBody.content['application/json'].schema.oneOf).toHaveLength(2);
  expect(document.components.schemas).toMatchObject({
    VpcRequest: { properties: { replicationGroupId: { maxLength: 40 }, cacheClusterId: { maxLength: 50 }, sourceSecurityGroupId: { pattern: '^sg-[0-9a-f]{8,17}$' } }, additionalProperties: false },
    RequestView: { required: expect.arrayContaining(['id', 'status', 'history', 'links']) as unknown },
    Error: { required: ['error', 'message'] },
  });
});

it('the local stack serves it at /openapi.json, as the web build writes it', async () => {
  const response = await fetch(`${stack.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(await response.json()).toEqual(document);
});

it('checks answers: a wrong body or an undocumented status is caught', () => {
  const url = `${stack.url}/requests/00000000-0000-4000-8000-000000000000`;
  expect(answerProblems('GET', url, 404, 'application/json', JSON.stringify({ error: 'NotFound', message: 'No request' }))).toEqual([]);
  expect(answerProblems('GET', url, 404, 'application/json', JSON.stringify({ message: 'No request' }))?.join()).toMatch(/error/);
  expect(answerProblems('GET', url, 418, 'application/json', '{}')?.join()).toMatch(/not documented/);
  expect(answerProblems('GET', `${stack.url}/dev/tokens`, 200, 'application/json', '{}')).toBeUndefined();
});
