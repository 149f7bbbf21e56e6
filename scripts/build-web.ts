/**
 * `npm run build:web -- --issuer <url> --client-id <id> [--scope "openid email"]`: the web app's static
 * files in .web/, for the stack's WebBucket (README, "The web app"). Never part of a function's zip.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildWebAssets } from '../web/build.js';

const { values } = parseArgs({ options: { issuer: { type: 'string' }, 'client-id': { type: 'string' }, scope: { type: 'string', default: 'openid email' } } });
if (!values.issuer || !values['client-id']) {
  process.stderr.write('Usage: npm run build:web -- --issuer https://… --client-id <app client id> [--scope "openid email"]\n');
  process.exit(2);
}
const root = process.cwd();
const out = join(root, '.web');
rmSync(out, { recursive: true, force: true });
const files = await buildWebAssets(root);
files.set('/app-config.json', { body: Buffer.from(JSON.stringify({ issuer: new URL(values.issuer).href.replace(/\/$/, ''), clientId: values['client-id'], scope: values.scope })), contentType: 'application/json' });
for (const [path, file] of files) {
  mkdirSync(dirname(join(out, path)), { recursive: true });
  writeFileSync(join(out, path), file.body);
}
process.stdout.write(`${files.size} files in .web/: aws s3 sync .web s3://<WebBucketName> --delete, then invalidate the distribution\n`);
