/**
 * jest's globalSetup: the packaged template and the function bundles the local stacks run, built once per
 * `npm test` before the test processes start (or found in node_modules/.cache, by content hash), so that
 * two test processes never package or bundle the same serverless.yml side by side. Run through tsx: jest
 * loads this file without its module mapping, and the local stack's imports name './x.js' for './x.ts'.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export default async function prepare(): Promise<void> {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', "await (await import('./local/stack.ts')).prepareLocalStack();"], { cwd: `${__dirname}/../..` });
}
