/**
 * Real answers checked against the OpenAPI document (openapi/document.ts): the status must be one the
 * document lists for the route, and a JSON body must match its schema (JSON Schema 2020-12, with formats).
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { openApiDocument } from '../../openapi/document.js';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
export interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

export const document = openApiDocument() as OpenApi;

const ajv = new Ajv2020({ allErrors: true, strict: true });
// A CommonJS module with a `default`: typed as the module under nodenext, unwrapped already by jest's transform.
const addFormats = (ajvFormats as unknown as { default?: typeof ajvFormats.default }).default ?? (ajvFormats as unknown as typeof ajvFormats.default);
addFormats(ajv);
ajv.addVocabulary(['components']);
ajv.addSchema({ $id: 'openapi.json', components: document.components });
const compiled = new Map<object, ValidateFunction>();

/** The documented path (e.g. /requests/{id}) a request path falls under, if any. */
export function documentedPath(path: string): string | undefined {
  return Object.keys(document.paths).find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
}

/** What is wrong with this answer by the document; undefined for a path it does not describe (the local /dev/ routes). */
export function answerProblems(method: string, url: string, status: number, contentType: string | null, body: string): string[] | undefined {
  const template = documentedPath(new URL(url).pathname);
  if (!template) return undefined;
  const where = `${method} ${template} → ${status}`;
  const operation = document.paths[template]?.[method.toLowerCase()];
  if (!operation) return [`${where}: the method is not documented`];
  const response = operation.responses[String(status)];
  if (!response) return [`${where}: the status is not documented`];
  const type = (contentType ?? '').split(';')[0]?.trim() ?? '';
  if (type !== 'application/json') return response.content === undefined || type in response.content ? [] : [`${where}: ${type} is not documented`];
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return [`${where}: a JSON body is not documented`];
  let validate = compiled.get(schema);
  if (!validate) {
    // The document's references (#/components/…) point into the document: resolve them there.
    validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/')) as object);
    compiled.set(schema, validate);
  }
  if (validate(JSON.parse(body))) return [];
  return (validate.errors ?? []).map((error) => `${where}: ${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}

/** Answers seen by `checkAnswer` (the integration tests' `call`), and what did not match. */
export const checkedAnswers = { count: 0, problems: [] as string[] };

export function checkAnswer(method: string, url: string, status: number, contentType: string | null, body: string): void {
  const found = answerProblems(method, url, status, contentType, body);
  if (!found) return;
  checkedAnswers.count++;
  checkedAnswers.problems.push(...found);
}

/** `fetch`, with every answer checked and counted; `problems` lists what did not match. */
export function checkedFetch() {
  const problems: string[] = [];
  let checked = 0;
  const wrapped = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    const found = answerProblems(init?.method ?? 'GET', String(input), response.status, response.headers.get('content-type'), await response.clone().text());
    if (found) {
      checked++;
      problems.push(...found);
    }
    return response;
  };
  return { fetch: wrapped, problems, checked: () => checked };
}
