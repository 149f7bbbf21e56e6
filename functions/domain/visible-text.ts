/**
 * Free text that people read (a request's reason, a decision's comment, a cancellation's reason) must say
 * something visible, and must read the same to everyone. Refused:
 * - text that is empty once whitespace, control characters and invisible (default-ignorable) characters
 *   such as zero-width spaces are taken out: it would show approvers a blank reason;
 * - bidirectional embedding, override and isolate characters (U+202A–U+202E, U+2066–U+2069): they reorder
 *   what follows them, so a reason could read differently to approvers than it was written ("Trojan Source");
 * - control characters other than tab and line breaks.
 * Zero-width joiners and non-joiners inside visible text stay allowed: emoji sequences and several scripts need them.
 */
import * as v from 'valibot';

const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/u;
const CONTROL = /[^\P{Cc}\t\n\r]/u;
// White_Space and Default_Ignorable_Code_Point are Unicode's own lists (zero-width spaces, the BOM, soft
// hyphens, variation selectors, Hangul fillers, …); the braille blank U+2800 renders as nothing as well.
const INVISIBLE = /[\p{White_Space}\p{Cc}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/** Why `text` is not acceptable as something people read, or undefined when it is. */
export function visibleTextProblem(text: string): string | undefined {
  if (BIDI_CONTROLS.test(text)) return 'must not contain bidirectional override or isolate characters (U+202A–U+202E, U+2066–U+2069)';
  if (CONTROL.test(text)) return 'must not contain control characters (tab and line breaks are fine)';
  if (text.replace(INVISIBLE, '').length === 0) return 'must contain visible text';
  return undefined;
}

/**
 * The same rule as a valibot check, for the schemas of reasons and comments. `blankIsNone`: for optional
 * text, where a blank box means "none" rather than an invisible text.
 */
export const visibleText = ({ blankIsNone = false } = {}) =>
  v.rawCheck<string>(({ dataset, addIssue }) => {
    if (!dataset.typed || (blankIsNone && dataset.value.trim() === '')) return;
    const problem = visibleTextProblem(dataset.value);
    if (problem) addIssue({ message: problem });
  });
