/**
 * Input checked by a valibot schema, refused the way the API always has: a 400 ValidationError listing
 * every field's problem, `{ field, message }`, with the field named by its path (`(body)` for the whole).
 */
import * as v from 'valibot';
import { ValidationError, type FieldProblem } from '../errors.js';

const NOT_AN_OBJECT = 'must be a JSON object';

/** A JSON object: not null, not a list. */
export const JsonObject = v.custom<Record<string, unknown>>(
  (input) => input !== null && typeof input === 'object' && !Array.isArray(input),
  NOT_AN_OBJECT,
);

/**
 * A JSON object with these fields (others are dropped: report them with unknownFields). A missing field
 * that is not optional "is required", or what `required` says for it.
 */
export function jsonFields<E extends v.ObjectEntries>(entries: E, required: { [K in keyof E]?: string } = {}) {
  return v.pipe(
    JsonObject,
    v.object(entries, (issue) => {
      const key = issue.path?.[0]?.key;
      return (typeof key === 'string' ? required[key] : undefined) ?? 'is required';
    }),
  );
}

/**
 * Fields the schema does not name, each reported: own keys, `__proto__` and `constructor` included
 * (valibot's object schemas skip those two, and a body that sends them is probing).
 */
export function unknownFields(input: unknown, known: v.ObjectEntries, message = 'is not a known field'): FieldProblem[] {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return [];
  return Object.keys(input)
    .filter((field) => !Object.hasOwn(known, field))
    .map((field) => ({ field, message }));
}

function problemsOf(issues: readonly v.BaseIssue<unknown>[]): FieldProblem[] {
  return issues.map((issue) => ({ field: v.getDotPath(issue) ?? '(body)', message: issue.message }));
}

/** The schema's output, or a ValidationError with every problem (`before`: ones found beside it, listed first). */
export function parseInput<S extends v.GenericSchema>(schema: S, input: unknown, before: FieldProblem[] = []): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortPipeEarly: true });
  const problems = [...before, ...(result.success ? [] : problemsOf(result.issues))];
  if (!result.success || problems.length > 0) throw new ValidationError(problems);
  return result.output;
}
