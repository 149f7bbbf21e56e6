/**
 * README, "Deploy" (6): the approval policy is at most 8 KB as one line of JSON, an SSM parameter's limit.
 * `config/approval-policy.cjs` (what serverless.yml writes to the parameter) refuses a bigger one when
 * packaging, instead of a deploy that fails half-way. It reads the policy next to itself: a copy runs here
 * beside policies of chosen sizes.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'cachegate-policy-size-'));
copyFileSync(join(__dirname, '../../config/approval-policy.cjs'), join(dir, 'approval-policy.cjs'));
const load = (): string => {
  const require = createRequire(join(dir, 'approval-policy.cjs'));
  delete require.cache[require.resolve('./approval-policy.cjs')];
  return (require('./approval-policy.cjs') as () => string)();
};

/** A policy whose one-line JSON is exactly `bytes` long, written with indentation (the file's own form). */
function policyOf(bytes: number): void {
  const skeleton = { default: { approvers: ['bob@example.com'] }, note: '' };
  const padding = bytes - JSON.stringify(skeleton).length;
  writeFileSync(join(dir, 'approval-policy.json'), JSON.stringify({ ...skeleton, note: 'x'.repeat(padding) }, null, 2));
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('8,192 bytes as one line of JSON are written as they are, one byte more is refused, saying why', () => {
  policyOf(8192);
  expect(Buffer.byteLength(load())).toBe(8192);
  policyOf(8193);
  expect(load).toThrow(/8193 bytes as one line of JSON; an SSM parameter holds at most 8 KB/);
});
