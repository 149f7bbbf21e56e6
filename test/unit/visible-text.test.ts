import { visibleTextProblem } from '../../functions/domain/visible-text.js';
import { parseNewAccessRequest } from '../../functions/domain/request-rules.js';
import { ValidationError } from '../../functions/errors.js';

describe('visibleTextProblem', () => {
  it.each([
    ['plain text', 'investigate latency'],
    ['text with line breaks and tabs', 'line one\n\tline two\r\n'],
    ['an emoji joined by ZWJ', 'on call 👩‍💻'],
    ['Persian with a zero-width non-joiner', 'می‌خواهم'],
    ['right-to-left text without controls', 'שלום עולם'],
  ])('accepts %s', (_name, text) => {
    expect(visibleTextProblem(text)).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['spaces', '   '],
    ['tabs and line breaks', '\n\t\r\n'],
    ['zero-width spaces', '\u200B\u200B\u200B'],
    ['a BOM and a word joiner', '\uFEFF\u2060'],
    ['no-break and ideographic spaces', '\u00A0\u3000'],
    ['Hangul fillers', '\u3164\uFFA0'],
    ['a braille blank', '\u2800'],
    ['a soft hyphen and a variation selector', '\u00AD\uFE0F'],
    ['left-to-right and right-to-left marks', '\u200E\u200F'],
  ])('refuses %s as not visible', (_name, text) => {
    expect(visibleTextProblem(text)).toBe('must contain visible text');
  });

  it.each(['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'])('refuses the bidi control U+%s', (control) => {
    expect(visibleTextProblem(`approve ${control}this${control} please`)).toMatch(/bidirectional/);
  });

  it.each(['\u0000', '\u0007', '\u001B[31m', '\u007F', '\u0085', '\u009B'])('refuses the control character %j inside text', (control) => {
    expect(visibleTextProblem(`deploy ${control} fix`)).toMatch(/control characters/);
  });
});

describe('the request reason follows the rule', () => {
  const classic = { cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'app', ec2SecurityGroupOwnerId: '123456789012' };
  const problems = (reason: string) => {
    try {
      parseNewAccessRequest({ ...classic, reason });
    } catch (error) {
      return (error as ValidationError).details;
    }
    return [];
  };

  it('refuses an invisible reason and a reason with a bidi override, naming the field', () => {
    expect(problems('\u200B \u2060')).toEqual([{ field: 'reason', message: 'must contain visible text' }]);
    expect(problems('routine \u202Eesacpsid\u202C check')).toEqual([{ field: 'reason', message: expect.stringMatching(/bidirectional/) as unknown as string }]);
    expect(problems('a real reason')).toEqual([]);
  });
});
