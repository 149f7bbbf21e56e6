/**
 * The bodies of the routes that act on a request: a decision (the web app's JSON, an approval link's form)
 * and the optional reason for ending one (cancel, revoke). One schema per field, so a comment follows the
 * same rules wherever it is written.
 */
import * as v from 'valibot';
import { MUST_BE_STRING } from './aws-identifiers.js';
import { jsonFields, parseInput, unknownFields } from './field-problems.js';
import { visibleText } from './visible-text.js';

export const COMMENT_MAX_LENGTH = 500;
const END_REASON_MAX_LENGTH = 500;

/** Free text that may be left empty: blank means none; anything else must be visible text (visible-text.ts). */
const optionalText = <S extends v.GenericSchema<unknown, string>>(text: S) =>
  v.optional(v.pipe(text, visibleText({ blankIsNone: true }), v.trim(), v.transform((value) => value || undefined)));

export const Decision = v.picklist(['approve', 'deny'], 'must be approve or deny');
const Comment = optionalText(v.pipe(v.string(MUST_BE_STRING), v.maxLength(COMMENT_MAX_LENGTH, `must be at most ${COMMENT_MAX_LENGTH} characters`)));

const END_REASON_RULE = `must be a string of at most ${END_REASON_MAX_LENGTH} characters`;
const EndingReason = optionalText(v.pipe(v.string(END_REASON_RULE), v.maxLength(END_REASON_MAX_LENGTH, END_REASON_RULE)));

export const decisionFields = { decision: Decision, comment: Comment };
export const endFields = { reason: EndingReason };
const decisionBody = jsonFields(decisionFields, { decision: 'must be approve or deny' });
const endBody = jsonFields(endFields);

export interface DecisionInput {
  decision: v.InferOutput<typeof Decision>;
  comment?: string;
}

/** POST /requests/{id}/decision (JSON) and an approval link's form (its fields as strings): `{ decision, comment? }`. */
export function parseDecision(input: unknown, { strict }: { strict: boolean }): DecisionInput {
  const { decision, comment } = parseInput(decisionBody, input, strict ? unknownFields(input, decisionFields) : []);
  return { decision, ...(comment !== undefined ? { comment } : {}) };
}

/** The optional `{ "reason" }` of cancel and revoke: nothing else is accepted. */
export function parseEndReason(input: unknown): string | undefined {
  return parseInput(endBody, input, unknownFields(input, endFields)).reason;
}
